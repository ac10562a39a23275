//! The business rules of the delivery aggregate. seedwork wrote this file once
//! and never overwrites it: it is yours.
//!
//! Every method of [`DeliveryRules`] has a default that accepts what `domain.toml` declares.
//! Override the ones your domain needs.

use crate::generated::domain::delivery::DeliveryRules;

use super::Rules;

impl DeliveryRules for Rules {
    // For example, to refuse `ScheduleDelivery` while the business is closed (add `Delivery`,
    // `ScheduleDelivery`, `DeliveryEvent` and `DeliveryError` to the `use` above):
    //
    // fn schedule_delivery(
    //     state: &Delivery,
    //     command: &ScheduleDelivery,
    //     context: &seedwork::CommandContext<'_, Delivery>,
    //     proposed: Vec<DeliveryEvent>,
    // ) -> Result<Vec<DeliveryEvent>, DeliveryError> {
    //     let _ = (state, command, context);
    //     if closed_now() {
    //         return Err(DeliveryError::rejected("we are closed"));
    //     }
    //     Ok(proposed)
    // }
}
