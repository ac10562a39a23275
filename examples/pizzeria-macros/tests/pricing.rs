//! The business rule written by hand: checking pizzas against the menu and pricing them
//! the way the document's `test_order_total_calculation` does.

use pizzeria_macros::domain::menu::{DELIVERY_FEE, TAX_BASIS_POINTS};
use pizzeria_macros::domain::{Bill, Menu, MenuItem, Money, OrderError, Pizza, Size};

fn pizza(name: &str, size: Size, quantity: u8) -> Pizza {
    Pizza::new(name.into(), size, quantity).expect("a valid pizza")
}

#[test]
fn the_documents_example_costs_34_51() {
    let bill = Menu::marios()
        .bill(&[
            pizza("Margherita", Size::Large, 1),
            pizza("Pepperoni", Size::Medium, 1),
        ])
        .unwrap();
    // 15.99 + 12.99; 8.75 % tax of 28.98 is 2.53575, rounded to 2.54; 2.99 delivery.
    assert_eq!(
        bill,
        Bill {
            subtotal: Money::cents(2898),
            tax: Money::cents(254),
            delivery: Money::cents(299),
            total: Money::cents(3451),
        }
    );
    assert_eq!(bill.total.to_string(), "$34.51");
    assert_eq!(TAX_BASIS_POINTS, 875);
    assert_eq!(DELIVERY_FEE, Money::cents(299));
}

#[test]
fn quantities_multiply_and_names_ignore_case() {
    let menu = Menu::marios();
    assert_eq!(
        menu.price(&pizza("quattro formaggi", Size::Small, 3))
            .unwrap(),
        Money::cents(3 * 1099)
    );
    let bill = menu.bill(&[pizza("MARGHERITA", Size::Small, 2)]).unwrap();
    assert_eq!(bill.subtotal, Money::cents(1798));
}

#[test]
fn pizzas_the_kitchen_cannot_make_are_refused() {
    let menu = Menu::new(vec![
        MenuItem::new("Margherita", 899, 1199, 1599),
        MenuItem::new("Marinara", 799, 999, 1299).unavailable(),
    ]);
    let unknown = menu.bill(&[pizza("Hawaiian", Size::Large, 1)]).unwrap_err();
    assert_eq!(unknown.to_string(), "Pizza 'Hawaiian' is not available");
    let off = menu
        .bill(&[
            pizza("Margherita", Size::Large, 1),
            pizza("Marinara", Size::Large, 1),
        ])
        .unwrap_err();
    assert!(matches!(off, OrderError::PizzaNotAvailable(name) if name == "Marinara"));
    assert_eq!(
        seedwork::Error::from(OrderError::PizzaNotAvailable("Marinara".into())).status(),
        422
    );
}

#[test]
fn tax_rounds_half_up_to_the_cent() {
    assert_eq!(Money::cents(1000).share(875), Money::cents(88)); // 87.5 → 88
    assert_eq!(Money::cents(999).share(875), Money::cents(87)); // 87.41 → 87
    assert_eq!(Bill::for_subtotal(Money::ZERO).total, DELIVERY_FEE);
    assert_eq!(Money::cents(-150).to_string(), "-$1.50");
    assert_eq!(Money::cents(5).to_string(), "$0.05");
}
