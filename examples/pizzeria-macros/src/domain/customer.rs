//! Who ordered, and where the pizzas go.

use seedwork::value_object;

/// The customer of an order: a name, a phone for the text messages, a delivery address.
///
/// The constraints are the document's: a name of 2 to 100 characters, a North American
/// phone number (`^\+?1?[2-9]\d{9}$`), an address of 10 to 200 characters. `Customer::new`
/// reports every broken one at once, and JSON goes through the same checks.
#[value_object]
#[derive(Eq)]
pub struct Customer {
    #[validate(length(min = 2, max = 100))]
    name: String,
    #[validate(pattern = r"^\+?1?[2-9]\d{9}$")]
    phone: String,
    #[validate(length(min = 10, max = 200))]
    address: String,
}

impl Customer {
    /// The customer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The phone number text messages go to.
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// Where the pizzas are delivered.
    pub fn address(&self) -> &str {
        &self.address
    }
}
