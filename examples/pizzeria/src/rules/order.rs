//! The business rules of the order aggregate. seedwork wrote this file once and never
//! overwrites it: it is yours.
//!
//! Placing an order prices it, as the document's pricing rule does: every pizza at its menu
//! price in its size, 8.75 % tax on the subtotal (rounded to the cent) and a 2.99 delivery
//! fee. A pizza that is not on the menu is refused ("Pizza 'Diavola' is not on the menu").
//! The kitchen expects an order 15 minutes after it is placed, plus 5 minutes per pizza.
//!
//! The prices live here, beside the rule, because the order decides on its own state and the
//! command alone: the `Pizza` aggregates of `domain.toml` are how the manager keeps the menu
//! the customer app shows, and a change of price there has to be copied here.

use chrono::{Duration, Utc};
use rust_decimal::Decimal;

use crate::generated::domain::order::{Order, OrderError, OrderEvent, OrderRules, PlaceOrder};
use crate::generated::domain::types::{PizzaOrder, Size};

use super::Rules;

/// The menu: each pizza's price in cents when small, medium and large.
const MENU: &[(&str, [i64; 3])] = &[
    ("Margherita", [899, 1199, 1599]),
    ("Pepperoni", [999, 1299, 1699]),
    ("Quattro Formaggi", [1099, 1399, 1799]),
    ("Marinara", [799, 1099, 1399]),
];

/// Sales tax: 8.75 %.
fn tax_rate() -> Decimal {
    Decimal::new(875, 4)
}

/// The flat delivery fee of every order.
fn delivery_fee() -> Decimal {
    Decimal::new(299, 2)
}

/// What one line of an order costs at the menu's prices, or why it cannot be ordered.
pub fn line_price(line: &PizzaOrder) -> Result<Decimal, OrderError> {
    let (_, prices) = MENU
        .iter()
        .find(|(name, _)| *name == line.name())
        .ok_or_else(|| {
            OrderError::rejected(format!("Pizza '{}' is not on the menu", line.name()))
        })?;
    let cents = match line.size() {
        Size::Small => prices[0],
        Size::Medium => prices[1],
        Size::Large => prices[2],
    };
    Ok(Decimal::new(cents, 2) * Decimal::from(line.quantity()))
}

/// What an order of `pizzas` costs: the subtotal, the tax on it rounded to the cent, and the
/// delivery fee.
pub fn order_total(pizzas: &[PizzaOrder]) -> Result<Decimal, OrderError> {
    let subtotal = pizzas
        .iter()
        .map(line_price)
        .sum::<Result<Decimal, OrderError>>()?;
    let tax = (subtotal * tax_rate()).round_dp(2);
    Ok(subtotal + tax + delivery_fee())
}

impl OrderRules for Rules {
    fn place_order(
        _state: &Order,
        command: &PlaceOrder,
        _context: &seedwork::CommandContext<'_, Order>,
        mut proposed: Vec<OrderEvent>,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        let total = order_total(&command.pizzas)?;
        let pizzas: i64 = command
            .pizzas
            .iter()
            .map(|line| i64::from(line.quantity()))
            .sum();
        let ready = Utc::now() + Duration::minutes(15 + 5 * pizzas);
        for event in &mut proposed {
            if let OrderEvent::OrderPlaced {
                total_amount,
                estimated_ready_time,
                ..
            } = event
            {
                *total_amount = total;
                *estimated_ready_time = ready;
            }
        }
        Ok(proposed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, size: Size, quantity: u32) -> PizzaOrder {
        PizzaOrder::new(name.to_owned(), size, quantity, Vec::new()).expect("a valid line")
    }

    /// The document's own example: a large Margherita and a medium Pepperoni cost
    /// 15.99 + 12.99 = 28.98, plus 2.54 tax and the 2.99 delivery fee.
    #[test]
    fn the_order_total_is_the_menu_prices_with_tax_and_delivery() {
        let total = order_total(&[
            line("Margherita", Size::Large, 1),
            line("Pepperoni", Size::Medium, 1),
        ]);
        assert_eq!(total.expect("both are on the menu"), Decimal::new(3451, 2));
    }

    #[test]
    fn quantities_multiply_the_price() {
        assert_eq!(
            line_price(&line("Marinara", Size::Small, 3)).expect("on the menu"),
            Decimal::new(2397, 2)
        );
    }

    #[test]
    fn a_pizza_that_is_not_on_the_menu_is_refused() {
        let refused = order_total(&[line("Diavola", Size::Large, 1)]).expect_err("not on the menu");
        assert_eq!(refused.to_string(), "Pizza 'Diavola' is not on the menu");
    }
}
