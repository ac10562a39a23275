//! The application layer: the questions the pizzeria answers, the read models that answer
//! them, and the reactions to order events (kitchen display, customer texts, revenue).
//!
//! Commands are sent straight to the order through the mediator; what the application adds
//! is everything that happens after an order changes, and everything that is read.

pub mod notifications;
pub mod queries;
pub mod read_models;

pub use notifications::{CustomerNotifier, Sms, SmsGateway};
pub use queries::{
    GetKitchenQueue, GetMenu, GetOrder, GetRevenue, KitchenTicket, MenuEntry, OrderView, Revenue,
    TicketStatus,
};
pub use read_models::{
    KitchenDisplay, MenuQueries, OrderTracker, ReadModelQueries, ReadModels, RevenueAnalytics,
};
