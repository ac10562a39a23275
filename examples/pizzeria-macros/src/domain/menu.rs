//! The menu, the pizzas a customer orders from it, and what an order costs.
//!
//! Pricing is the business rule of the document written by hand: the subtotal of the
//! pizzas at their menu prices, 8.75 % tax and a 2.99 delivery fee. The document's own
//! example — a large Margherita and a medium Pepperoni — comes to 15.99 + 12.99 = 28.98,
//! plus 2.54 tax and 2.99 delivery: 34.51.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

use seedwork::value_object;
use serde::{Deserialize, Serialize};

use super::order::OrderError;

/// An amount of money in cents: money is never a float.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Nothing.
    pub const ZERO: Self = Self(0);

    /// An amount of `cents` cents.
    pub const fn cents(cents: i64) -> Self {
        Self(cents)
    }

    /// The amount in cents.
    pub const fn as_cents(self) -> i64 {
        self.0
    }

    /// `quantity` times this amount.
    pub fn times(self, quantity: u8) -> Self {
        Self(self.0 * i64::from(quantity))
    }

    /// This amount's share of `basis_points` hundredths of a percent, rounded half up to
    /// the cent (875 basis points are 8.75 %).
    pub fn share(self, basis_points: i64) -> Self {
        Self((self.0 * basis_points + 5_000).div_euclid(10_000))
    }
}

impl Add for Money {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Self>>(amounts: I) -> Self {
        amounts.fold(Self::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    /// `$34.51`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let cents = self.0.unsigned_abs();
        write!(f, "{sign}${}.{:02}", cents / 100, cents % 100)
    }
}

/// The sizes every pizza comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// Small.
    Small,
    /// Medium.
    Medium,
    /// Large.
    Large,
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
        })
    }
}

/// One line of an order: which pizza of the menu, in which size, how many.
///
/// A value object: it is valid or it does not exist, whether it is built with
/// [`Pizza::new`] or read from JSON.
#[value_object]
#[derive(Eq)]
pub struct Pizza {
    #[validate(length(min = 1, max = 50))]
    name: String,
    size: Size,
    #[validate(range(min = 1, max = 10))]
    quantity: u8,
}

impl Pizza {
    /// The pizza's name as on the menu.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its size.
    pub fn size(&self) -> Size {
        self.size
    }

    /// How many of it.
    pub fn quantity(&self) -> u8 {
        self.quantity
    }
}

impl fmt::Display for Pizza {
    /// `2 × large Margherita`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} × {} {}", self.quantity, self.size, self.name)
    }
}

/// A pizza on the menu, its price in each size, and whether the kitchen can make it today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItem {
    /// The name customers order by.
    pub name: String,
    /// The price of a small one.
    pub small: Money,
    /// The price of a medium one.
    pub medium: Money,
    /// The price of a large one.
    pub large: Money,
    /// False when the kitchen has run out of something it needs.
    pub available: bool,
}

impl MenuItem {
    /// An available pizza with its three prices in cents.
    pub fn new(name: &str, small: i64, medium: i64, large: i64) -> Self {
        Self {
            name: name.to_owned(),
            small: Money::cents(small),
            medium: Money::cents(medium),
            large: Money::cents(large),
            available: true,
        }
    }

    /// The same pizza, off the menu for today.
    #[must_use]
    pub fn unavailable(mut self) -> Self {
        self.available = false;
        self
    }

    /// The price of one pizza of `size`.
    pub fn price(&self, size: Size) -> Money {
        match size {
            Size::Small => self.small,
            Size::Medium => self.medium,
            Size::Large => self.large,
        }
    }
}

/// Sales tax, in basis points: 8.75 %.
pub const TAX_BASIS_POINTS: i64 = 875;

/// The flat delivery fee of every order.
pub const DELIVERY_FEE: Money = Money::cents(299);

/// What an order costs, line by line of the receipt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    /// The pizzas at their menu prices.
    pub subtotal: Money,
    /// Tax on the subtotal.
    pub tax: Money,
    /// The delivery fee.
    pub delivery: Money,
    /// What the customer pays.
    pub total: Money,
}

impl Bill {
    /// The bill for pizzas that cost `subtotal`: tax and the delivery fee on top.
    pub fn for_subtotal(subtotal: Money) -> Self {
        let tax = subtotal.share(TAX_BASIS_POINTS);
        Self {
            subtotal,
            tax,
            delivery: DELIVERY_FEE,
            total: subtotal + tax + DELIVERY_FEE,
        }
    }
}

/// Mario's menu: the domain service the order consults to check and price its pizzas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    items: Vec<MenuItem>,
}

impl Menu {
    /// A menu of `items`.
    pub fn new(items: Vec<MenuItem>) -> Self {
        Self { items }
    }

    /// Mario's menu of today; the Diavola is off (no chillies).
    pub fn marios() -> Self {
        Self::new(vec![
            MenuItem::new("Margherita", 899, 1199, 1599),
            MenuItem::new("Pepperoni", 999, 1299, 1699),
            MenuItem::new("Quattro Formaggi", 1099, 1399, 1799),
            MenuItem::new("Diavola", 1049, 1349, 1749).unavailable(),
        ])
    }

    /// Every pizza on the menu, available or not.
    pub fn items(&self) -> &[MenuItem] {
        &self.items
    }

    /// The menu item called `name`, ignoring case.
    pub fn find(&self, name: &str) -> Option<&MenuItem> {
        self.items
            .iter()
            .find(|item| item.name.eq_ignore_ascii_case(name))
    }

    /// What `pizza` costs, quantity included; refused when the menu does not have it today.
    pub fn price(&self, pizza: &Pizza) -> Result<Money, OrderError> {
        match self.find(pizza.name()) {
            Some(item) if item.available => Ok(item.price(pizza.size()).times(pizza.quantity())),
            _ => Err(OrderError::PizzaNotAvailable(pizza.name().to_owned())),
        }
    }

    /// The bill for `pizzas`, or the first of them the kitchen cannot make.
    pub fn bill(&self, pizzas: &[Pizza]) -> Result<Bill, OrderError> {
        let subtotal = pizzas
            .iter()
            .map(|pizza| self.price(pizza))
            .sum::<Result<Money, OrderError>>()?;
        Ok(Bill::for_subtotal(subtotal))
    }
}
