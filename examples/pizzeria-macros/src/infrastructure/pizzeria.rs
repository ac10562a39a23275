//! The composition root: the document's `configure_pizzeria_services`, as one function.

use std::sync::Arc;

use seedwork::behaviors::{Authorization, RetryOnConflict, Tracing, Validation};
use seedwork::{Mediator, Repository, Result, Stores};

use crate::application::{
    CustomerNotifier, GetKitchenQueue, GetMenu, GetOrder, GetRevenue, KitchenDisplay, MenuQueries,
    OrderTracker, ReadModelQueries, ReadModels, RevenueAnalytics, SmsGateway,
};
use crate::domain::{Menu, Order, OrderEvent};

/// Mario's Pizzeria, wired: orders in `stores`, read models in memory, texts through an
/// [`SmsGateway`], every request through tracing, authorization and validation.
///
/// The stores decide where orders live, as the document swaps repositories by
/// environment: [`Stores::in_memory`] in development and tests, [`Stores::shared`] over a
/// `SqliteStore` or `PostgresStore` in production. Nothing else changes. The read models
/// live in memory either way: over a persistent store they start empty and follow the
/// orders that change after start-up.
pub struct Pizzeria {
    mediator: Mediator,
    orders: Arc<dyn Repository<Order>>,
    read_models: Arc<ReadModels>,
    menu: Arc<Menu>,
}

impl std::fmt::Debug for Pizzeria {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pizzeria")
            .field("mediator", &self.mediator)
            .field("menu", &self.menu)
            .finish_non_exhaustive()
    }
}

impl Pizzeria {
    /// Registers the order's commands, the four reactions to its events, the queries and
    /// the pipeline.
    pub fn new(stores: &Stores, menu: Menu, sms: Arc<dyn SmsGateway>) -> Result<Self> {
        let menu = Arc::new(menu);
        let orders = stores.repository::<Order>(menu.clone());
        let read_models = Arc::new(ReadModels::default());
        let queries = ReadModelQueries(read_models.clone());
        let mediator = Mediator::builder()
            .aggregate::<Order>(orders.clone())
            // One event, several handlers: each sees every order event.
            .event::<OrderEvent>(OrderTracker(read_models.clone()))
            .event::<OrderEvent>(KitchenDisplay(read_models.clone()))
            .event::<OrderEvent>(CustomerNotifier(sms))
            .event::<OrderEvent>(RevenueAnalytics(read_models.clone()))
            .query::<GetOrder>(queries.clone())
            .query::<GetKitchenQueue>(queries.clone())
            .query::<GetRevenue>(queries)
            .query::<GetMenu>(MenuQueries(menu.clone()))
            .layer(Tracing)
            .layer(Authorization)
            .layer(Validation)
            .layer(RetryOnConflict::default())
            .build()?;
        Ok(Self {
            mediator,
            orders,
            read_models,
            menu,
        })
    }

    /// Mario's menu on fresh in-memory stores.
    pub fn in_memory(sms: Arc<dyn SmsGateway>) -> Result<Self> {
        Self::new(&Stores::in_memory(), Menu::marios(), sms)
    }

    /// Where every command and query goes.
    pub fn mediator(&self) -> &Mediator {
        &self.mediator
    }

    /// The orders themselves, for tests and tools that look behind the read models.
    pub fn orders(&self) -> &Arc<dyn Repository<Order>> {
        &self.orders
    }

    /// The read models the queries are answered from.
    pub fn read_models(&self) -> &ReadModels {
        &self.read_models
    }

    /// The menu orders are checked and priced against.
    pub fn menu(&self) -> &Menu {
        &self.menu
    }
}
