//! The business rules of the basket aggregate. seedwork wrote this file once
//! and never overwrites it: it is yours.
//!
//! The rule of the document's `OrderStartedIntegrationEventHandler`: once the buyer's order is
//! started, their basket holds nothing. `BasketEmptied` would otherwise take the basket's
//! items by name from its state; this rule records it empty, so the basket and its read model
//! are emptied by the event, and a replay empties them again.

use crate::generated::domain::basket::{
    Basket, BasketError, BasketEvent, BasketRules, EmptyBasket,
};

use super::Rules;

impl BasketRules for Rules {
    fn empty_basket(
        _state: &Basket,
        _command: &EmptyBasket,
        _context: &seedwork::CommandContext<'_, Basket>,
        mut proposed: Vec<BasketEvent>,
    ) -> Result<Vec<BasketEvent>, BasketError> {
        for event in &mut proposed {
            if let BasketEvent::BasketEmptied { items } = event {
                items.clear();
            }
        }
        Ok(proposed)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use seedwork::testkit::AggregateTest;

    use super::*;
    use crate::generated::domain::basket::BasketId;
    use crate::generated::domain::types::BasketItem;

    fn hoodie() -> BasketItem {
        BasketItem::new(
            1,
            ".NET Bot Black Hoodie".to_owned(),
            Decimal::new(1950, 2),
            2,
        )
        .expect("a valid basket item")
    }

    #[tokio::test]
    async fn a_checked_out_basket_is_empty() {
        let id = BasketId::from(uuid::Uuid::new_v4());
        AggregateTest::<Basket>::state_stored(id, ())
            .given([BasketEvent::BasketCreated {
                items: vec![hoodie()],
            }])
            .await
            .when(EmptyBasket { basket_id: id })
            .await
            .then_events([BasketEvent::BasketEmptied { items: Vec::new() }])
            .then_state(|basket| assert!(basket.items.is_empty(), "{:?}", basket.items));
    }
}
