//! The read side: tables kept up to date by event handlers, and the query handlers that
//! answer from them.
//!
//! Each projection is its own [`EventHandler`], registered on its own, so that one
//! `OrderPlaced` reaches the order tracker, the kitchen display and the customer notifier
//! (see [`notifications`](super::notifications)) independently — the document's
//! "several handlers per event". Handlers run only after the order is saved.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use seedwork::{async_trait, Error, EventEnvelope, EventHandler, Metadata, QueryHandler, Result};

use super::queries::{
    GetKitchenQueue, GetMenu, GetOrder, GetRevenue, KitchenTicket, MenuEntry, OrderView, Revenue,
    TicketStatus,
};
use crate::domain::{Menu, OrderEvent, OrderId, OrderStatus, Size};

/// The read models of the pizzeria, in memory (a table each in a real service).
#[derive(Debug, Default)]
pub struct ReadModels {
    orders: RwLock<HashMap<OrderId, OrderView>>,
    kitchen: RwLock<Vec<KitchenTicket>>,
    revenue: RwLock<Revenue>,
}

fn read<T>(lock: &RwLock<T>) -> Result<RwLockReadGuard<'_, T>> {
    lock.read()
        .map_err(|_| Error::infrastructure("read model lock poisoned"))
}

fn write<T>(lock: &RwLock<T>) -> Result<RwLockWriteGuard<'_, T>> {
    lock.write()
        .map_err(|_| Error::infrastructure("read model lock poisoned"))
}

fn order_id(event: &EventEnvelope<OrderEvent>) -> Result<OrderId> {
    event
        .aggregate_id
        .parse()
        .map_err(|error| Error::infrastructure(format!("order id {}: {error}", event.aggregate_id)))
}

impl ReadModels {
    /// The tracked view of one order.
    pub fn order(&self, id: OrderId) -> Result<Option<OrderView>> {
        Ok(read(&self.orders)?.get(&id).cloned())
    }

    /// The kitchen display, oldest order first.
    pub fn kitchen_queue(&self) -> Result<Vec<KitchenTicket>> {
        Ok(read(&self.kitchen)?.clone())
    }

    /// The revenue of delivered orders.
    pub fn revenue(&self) -> Result<Revenue> {
        Ok(*read(&self.revenue)?)
    }
}

/// Keeps [`OrderView`]s up to date: what the customer app shows.
#[derive(Debug, Clone)]
pub struct OrderTracker(pub Arc<ReadModels>);

#[async_trait]
impl EventHandler<OrderEvent> for OrderTracker {
    async fn handle(&self, event: &EventEnvelope<OrderEvent>) -> Result<()> {
        let id = order_id(event)?;
        let mut orders = write(&self.0.orders)?;
        if let OrderEvent::OrderPlaced {
            customer,
            pizzas,
            bill,
            ..
        } = &event.payload
        {
            orders.insert(
                id,
                OrderView {
                    order_id: id,
                    customer_name: customer.name().to_owned(),
                    pizzas: pizzas.iter().map(ToString::to_string).collect(),
                    total: bill.total,
                    status: OrderStatus::Placed,
                    chef: None,
                },
            );
            return Ok(());
        }
        let Some(view) = orders.get_mut(&id) else {
            return Err(Error::not_found("OrderView", id));
        };
        match &event.payload {
            OrderEvent::OrderPlaced { .. } => {}
            OrderEvent::CookingStarted { chef } => {
                view.status = OrderStatus::Cooking;
                view.chef = Some(chef.clone());
            }
            OrderEvent::OrderReady { .. } => view.status = OrderStatus::Ready,
            OrderEvent::OrderDelivered { .. } => view.status = OrderStatus::Delivered,
            OrderEvent::OrderCancelled { .. } => view.status = OrderStatus::Cancelled,
        }
        Ok(())
    }
}

/// Keeps the kitchen display up to date (the document's `KitchenNotificationHandler`): a
/// placed order joins the queue, a ready or cancelled one leaves it.
#[derive(Debug, Clone)]
pub struct KitchenDisplay(pub Arc<ReadModels>);

#[async_trait]
impl EventHandler<OrderEvent> for KitchenDisplay {
    async fn handle(&self, event: &EventEnvelope<OrderEvent>) -> Result<()> {
        let id = order_id(event)?;
        let mut queue = write(&self.0.kitchen)?;
        match &event.payload {
            OrderEvent::OrderPlaced { pizzas, .. } => queue.push(KitchenTicket {
                order_id: id,
                pizzas: pizzas.clone(),
                status: TicketStatus::Waiting,
                chef: None,
            }),
            OrderEvent::CookingStarted { chef } => {
                if let Some(ticket) = queue.iter_mut().find(|ticket| ticket.order_id == id) {
                    ticket.status = TicketStatus::Cooking;
                    ticket.chef = Some(chef.clone());
                }
            }
            OrderEvent::OrderReady { .. } | OrderEvent::OrderCancelled { .. } => {
                queue.retain(|ticket| ticket.order_id != id);
            }
            OrderEvent::OrderDelivered { .. } => {}
        }
        Ok(())
    }
}

/// Adds up what delivered orders brought in (the document's `RevenueAnalyticsHandler`).
#[derive(Debug, Clone)]
pub struct RevenueAnalytics(pub Arc<ReadModels>);

#[async_trait]
impl EventHandler<OrderEvent> for RevenueAnalytics {
    async fn handle(&self, event: &EventEnvelope<OrderEvent>) -> Result<()> {
        if let OrderEvent::OrderDelivered { total } = &event.payload {
            let mut revenue = write(&self.0.revenue)?;
            revenue.orders += 1;
            revenue.amount = revenue.amount + *total;
        }
        Ok(())
    }
}

/// Answers the order, kitchen and revenue queries from the read models.
#[derive(Debug, Clone)]
pub struct ReadModelQueries(pub Arc<ReadModels>);

#[async_trait]
impl QueryHandler<GetOrder> for ReadModelQueries {
    async fn handle(&self, query: &GetOrder, _: &Metadata) -> Result<OrderView> {
        self.0
            .order(query.order_id)?
            .ok_or_else(|| Error::not_found("Order", query.order_id))
    }
}

#[async_trait]
impl QueryHandler<GetKitchenQueue> for ReadModelQueries {
    async fn handle(&self, _: &GetKitchenQueue, _: &Metadata) -> Result<Vec<KitchenTicket>> {
        self.0.kitchen_queue()
    }
}

#[async_trait]
impl QueryHandler<GetRevenue> for ReadModelQueries {
    async fn handle(&self, _: &GetRevenue, _: &Metadata) -> Result<Revenue> {
        self.0.revenue()
    }
}

/// Answers [`GetMenu`] from the menu: only what the kitchen can make today.
#[derive(Debug, Clone)]
pub struct MenuQueries(pub Arc<Menu>);

#[async_trait]
impl QueryHandler<GetMenu> for MenuQueries {
    async fn handle(&self, _: &GetMenu, _: &Metadata) -> Result<Vec<MenuEntry>> {
        Ok(self
            .0
            .items()
            .iter()
            .filter(|item| item.available)
            .map(|item| MenuEntry {
                name: item.name.clone(),
                prices: [Size::Small, Size::Medium, Size::Large].map(|size| item.price(size)),
            })
            .collect())
    }
}
