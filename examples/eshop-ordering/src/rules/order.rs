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
                let units = line.units().checked_add(item.units()).ok_or_else(|| {
                    OrderError::invalid("order_items", "too many units of one product")
                })?;
                let combined = OrderItem::new(
                    line.product_id(),
                    line.product_name().clone(),
                    line.picture_url().clone(),
                    line.unit_price(),
                    line.discount().max(item.discount()),
                    units,
                )
                .map_err(|error| OrderError::invalid("order_items", error.to_string()))?;
                merged[index] = combined;
            }
            None => merged.push(item.clone()),
        }
    }
    Ok(merged)
}

/// What `items` cost: each line's units at its unit price, less the line's discount; refused
/// when a line or the sum is beyond what a `Decimal` holds.
pub fn total(items: &[OrderItem]) -> Result<Decimal, OrderError> {
    let too_large = || OrderError::invalid("order_items", "the order's total is too large");
    items.iter().try_fold(Decimal::ZERO, |sum, item| {
        item.unit_price()
            .checked_mul(Decimal::from(item.units()))
            .and_then(|price| price.checked_sub(item.discount()))
            .and_then(|line| sum.checked_add(line))
            .ok_or_else(too_large)
    })
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
        let cost = total(&lines)?;
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
        assert_eq!(total(&lines).ok(), Some(Decimal::from(32)));
    }

    /// Amounts beyond what a `Decimal` holds are refused as invalid, not a panic (a 500 over
    /// HTTP): units of one product that overflow, a price times units, a sum of lines.
    #[test]
    fn totals_too_large_for_a_decimal_are_refused() {
        let huge = |product_id: i32, units: i32| {
            OrderItem::new(
                product_id,
                "huge".to_owned(),
                None,
                Decimal::MAX,
                Decimal::ZERO,
                units,
            )
            .expect("a valid line")
        };
        assert!(merge_lines(&[item(1, 1, 0, i32::MAX), item(1, 1, 0, 1)]).is_err());
        assert!(total(&[huge(1, 2)]).is_err());
        assert!(total(&[huge(1, 1), huge(2, 1)]).is_err());
        assert_eq!(total(&[huge(1, 1)]).ok(), Some(Decimal::MAX));
    }
}
