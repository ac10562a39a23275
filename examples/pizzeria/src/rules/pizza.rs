//! The business rules of the pizza aggregate. seedwork wrote this file once
//! and never overwrites it: it is yours.
//!
//! Every method of [`PizzaRules`] has a default that accepts what `domain.toml` declares.
//! Override the ones your domain needs.

use crate::generated::domain::pizza::PizzaRules;

use super::Rules;

impl PizzaRules for Rules {
    // For example, to refuse `AddPizzaToMenu` while the business is closed (add `Pizza`,
    // `AddPizzaToMenu`, `PizzaEvent` and `PizzaError` to the `use` above):
    //
    // fn add_pizza_to_menu(
    //     state: &Pizza,
    //     command: &AddPizzaToMenu,
    //     context: &seedwork::CommandContext<'_, Pizza>,
    //     proposed: Vec<PizzaEvent>,
    // ) -> Result<Vec<PizzaEvent>, PizzaError> {
    //     let _ = (state, command, context);
    //     if closed_now() {
    //         return Err(PizzaError::rejected("we are closed"));
    //     }
    //     Ok(proposed)
    // }
}
