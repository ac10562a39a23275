//! The business rules of the buyer aggregate. seedwork wrote this file once
//! and never overwrites it: it is yours.
//!
//! Every method of [`BuyerRules`] has a default that accepts what `domain.toml` declares.
//! Override the ones your domain needs.

use crate::generated::domain::buyer::BuyerRules;

use super::Rules;

impl BuyerRules for Rules {
    // For example, to refuse `CreateBuyer` while the business is closed (add `Buyer`,
    // `CreateBuyer`, `BuyerEvent` and `BuyerError` to the `use` above):
    //
    // fn create_buyer(
    //     state: &Buyer,
    //     command: &CreateBuyer,
    //     context: &seedwork::CommandContext<'_, Buyer>,
    //     proposed: Vec<BuyerEvent>,
    // ) -> Result<Vec<BuyerEvent>, BuyerError> {
    //     let _ = (state, command, context);
    //     if closed_now() {
    //         return Err(BuyerError::rejected("we are closed"));
    //     }
    //     Ok(proposed)
    // }
}
