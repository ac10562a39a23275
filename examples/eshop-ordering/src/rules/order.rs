//! The business rules of the order aggregate. seedwork wrote this file once and never
//! overwrites it: it is yours.
//!
//! Starting an order does what the document's `Order` constructor and `AddOrderItem` do:
//! lines of the same product merge into one (their units add up, the higher discount wins),
//! the order's total is each line's units at its unit price less its discount (`GetTotal`),
//! the order is stamped with the time it starts, and a card that has already expired is
//! refused as an invalid field.

use chrono::Utc;
use rust_decimal::Decimal;

use crate::generated::domain::order::{
    CreateOrder, Order, OrderError, OrderEvent, OrderItem, OrderRules,
};

use super::Rules;

/// `items` with the lines of one product merged into the first of them: units added, the
/// higher discount kept.
pub fn merge_lines(items: &[OrderItem]) -> Result<Vec<OrderItem>, OrderError> {
    let mut merged: Vec<OrderItem> = Vec::new();
    for item in items {
        match merged
            .iter()
            .position(|line| line.product_id() == item.product_id())
        {
            Some(index) => {
                let line = &merged[index];
                let combined = OrderItem::new(
                    line.product_id(),
                    line.product_name().clone(),
                    line.picture_url().clone(),
                    line.unit_price(),
                    line.discount().max(item.discount()),
                    line.units() + item.units(),
                )
                .map_err(|error| OrderError::invalid("order_items", error.to_string()))?;
                merged[index] = combined;
            }
            None => merged.push(item.clone()),
        }
    }
    Ok(merged)
}

/// What `items` cost: each line's units at its unit price, less the line's discount.
pub fn total(items: &[OrderItem]) -> Decimal {
    items
        .iter()
        .map(|item| item.unit_price() * Decimal::from(item.units()) - item.discount())
        .sum()
}

impl OrderRules for Rules {
    fn create_order(
        _state: &Order,
        command: &CreateOrder,
        _context: &seedwork::CommandContext<'_, Order>,
        mut proposed: Vec<OrderEvent>,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        let now = Utc::now();
        if command.card_expiration <= now {
            return Err(OrderError::invalid(
                "card_expiration",
                "the card has expired",
            ));
        }
        let lines = merge_lines(&command.order_items)?;
        let cost = total(&lines);
        for event in &mut proposed {
            if let OrderEvent::OrderStarted {
                order_date,
                order_items,
                total,
                ..
            } = event
            {
                *order_date = now;
                order_items.clone_from(&lines);
                *total = cost;
            }
        }
        Ok(proposed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(product_id: i32, unit_price: i64, discount: i64, units: i32) -> OrderItem {
        OrderItem::new(
            product_id,
            format!("product {product_id}"),
            None,
            Decimal::from(unit_price),
            Decimal::from(discount),
            units,
        )
        .expect("a valid line")
    }

    #[test]
    fn lines_of_one_product_merge_and_keep_the_higher_discount() {
        let merged = merge_lines(&[item(1, 10, 1, 2), item(2, 5, 0, 1), item(1, 10, 3, 1)])
            .expect("the lines merge");
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].units(), 3);
        assert_eq!(merged[0].discount(), Decimal::from(3));
    }

    #[test]
    fn the_total_is_the_lines_at_their_prices_less_discounts() {
        let lines = [item(1, 10, 3, 3), item(2, 5, 0, 1)];
        assert_eq!(total(&lines), Decimal::from(32));
    }
}
