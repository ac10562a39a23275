//! The macros at work: a small order lifecycle written only with `#[aggregate]`, `#[command]`,
//! `#[event]`, `#[value_object]`, `#[query]` and `#[aggregate_id]`, driven through the real
//! mediator and repositories.

use std::sync::Arc;

use seedwork::testkit::AggregateTest;
use seedwork::{
    aggregate, aggregate_id, command, event, query, value_object, AggregateCommand, Command,
    CommandContext, CommandIntent, DomainEvent, ErrorKind, Mediator, Metadata, Query, Stores,
};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[value_object]
struct Address {
    #[validate(length(min = 1, max = 200))]
    street: String,
    #[validate(pattern = "^[0-9]{5}$")]
    zip: String,
}

#[value_object]
struct Email(#[validate(email)] String);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Status {
    #[default]
    Placed,
    Cooking,
    Ready,
    Delivered,
    Cancelled,
}

#[event]
enum OrderEvent {
    OrderPlaced {
        customer: String,
        address: Address,
        pizzas: Vec<String>,
    },
    #[event(name = "cooking_started", version = 2)]
    CookingStarted,
    OrderReady,
    OrderDelivered,
    OrderCancelled {
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
enum OrderError {
    #[error("an order needs a reason to be cancelled")]
    NoReason,
}

impl From<OrderError> for seedwork::Error {
    fn from(error: OrderError) -> Self {
        seedwork::Error::domain(error.to_string())
    }
}

#[aggregate(id = OrderId, event = OrderEvent, error = OrderError, status = status)]
#[derive(Debug, Default)]
struct Order {
    status: Status,
    customer: String,
    pizzas: Vec<String>,
}

#[command(aggregate = Order, creates)]
struct PlaceOrder {
    #[id(generate)]
    order_id: OrderId,
    #[validate(length(min = 2, max = 100))]
    customer: String,
    address: Address,
    #[validate(items(min = 1, max = 20))]
    pizzas: Vec<String>,
    #[validate(range(min = 0, max = 50))]
    tip: Option<u32>,
}

#[command(aggregate = Order, roles = ["kitchen"])]
struct StartCooking {
    #[id]
    order_id: OrderId,
}

#[command(aggregate = Order)]
struct MarkReady {
    #[id]
    order_id: OrderId,
}

#[command(aggregate = Order)]
struct Deliver {
    #[id]
    order_id: OrderId,
}

#[command(aggregate = Order, name = "CancelOrder")]
struct Cancel {
    #[id]
    order_id: OrderId,
    #[validate(custom = not_blank)]
    reason: String,
}

fn not_blank(text: &str) -> Result<(), &'static str> {
    if text.trim().is_empty() {
        Err("must not be blank")
    } else {
        Ok(())
    }
}

#[aggregate]
impl Order {
    #[handle]
    fn place(&self, command: PlaceOrder) -> OrderEvent {
        OrderEvent::OrderPlaced {
            customer: command.customer,
            address: command.address,
            pizzas: command.pizzas,
        }
    }

    #[handle(from = Placed, to = Cooking)]
    async fn start_cooking(
        &self,
        _: StartCooking,
        context: &CommandContext<'_, Self>,
    ) -> Vec<OrderEvent> {
        assert!(!context.is_new());
        vec![OrderEvent::CookingStarted]
    }

    #[handle(from = [Cooking], to = Ready)]
    fn mark_ready(&self, _: MarkReady) -> Result<OrderEvent, OrderError> {
        Ok(OrderEvent::OrderReady)
    }

    /// Deliberately forgets to move the status, to show the `to` check.
    #[handle(from = Ready, to = Delivered)]
    fn deliver(&self, _: Deliver) -> Option<OrderEvent> {
        None
    }

    #[handle(from = [Placed, Cooking], to = Cancelled)]
    fn cancel(&self, command: Cancel) -> Result<Vec<OrderEvent>, OrderError> {
        if command.reason.is_empty() {
            return Err(OrderError::NoReason);
        }
        Ok(vec![OrderEvent::OrderCancelled {
            reason: command.reason,
        }])
    }

    #[apply(OrderPlaced)]
    fn placed(&mut self, customer: &str, pizzas: Vec<String>) {
        self.customer = customer.to_owned();
        self.pizzas = pizzas;
    }

    #[apply(CookingStarted)]
    fn cooking_started(&mut self) {
        self.status = Status::Cooking;
    }

    #[apply(OrderReady)]
    fn ready(&mut self) {
        self.status = Status::Ready;
    }

    #[apply(OrderCancelled)]
    fn cancelled(&mut self) {
        self.status = Status::Cancelled;
    }

    /// Not a handler: methods without `#[handle]` or `#[apply]` are left alone.
    pub fn pizza_count(&self) -> usize {
        self.pizzas.len()
    }
}

#[query(output = usize)]
struct CountPizzas {
    order_id: OrderId,
    #[validate(range(max = 10))]
    limit: u8,
}

fn address() -> Address {
    Address::new("Via Roma 1".into(), "00100".into()).expect("a valid address")
}

fn place(id: OrderId) -> PlaceOrder {
    PlaceOrder {
        order_id: id,
        customer: "Mario".into(),
        address: address(),
        pizzas: vec!["margherita".into()],
        tip: None,
    }
}

#[test]
fn events_have_stable_names_and_versions() {
    let placed = OrderEvent::OrderPlaced {
        customer: "Mario".into(),
        address: address(),
        pizzas: vec![],
    };
    assert_eq!(placed.event_type(), "OrderPlaced");
    assert_eq!(placed.schema_version(), 1);
    assert_eq!(OrderEvent::CookingStarted.event_type(), "cooking_started");
    assert_eq!(OrderEvent::CookingStarted.schema_version(), 2);
    let json = serde_json::to_value(&OrderEvent::CookingStarted).unwrap();
    assert_eq!(json, serde_json::json!("cooking_started"));
}

#[test]
fn command_validation_reports_every_field() {
    let mut command = place(OrderId::new());
    command.customer = "M".into();
    command.pizzas = vec![];
    command.tip = Some(99);
    let errors = command.validate().unwrap_err();
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["customer", "pizzas", "tip"], "{errors:?}");
    assert!(place(OrderId::new()).validate().is_ok());
    assert_eq!(PlaceOrder::INTENT, CommandIntent::Create);
    assert_eq!(StartCooking::INTENT, CommandIntent::Update);
    assert_eq!(Cancel::NAME, "CancelOrder");
    let start = StartCooking {
        order_id: OrderId::new(),
    };
    assert_eq!(start.required_roles(), ["kitchen"]);
    let cancel = Cancel {
        order_id: OrderId::new(),
        reason: "  ".into(),
    };
    assert_eq!(
        cancel.validate().unwrap_err()[0].message,
        "must not be blank"
    );
}

#[test]
fn a_generated_id_fills_a_missing_id_field() {
    let json = serde_json::json!({
        "customer": "Mario",
        "address": { "street": "Via Roma 1", "zip": "00100" },
        "pizzas": ["margherita"],
        "tip": null
    });
    let a: PlaceOrder = serde_json::from_value(json.clone()).unwrap();
    let b: PlaceOrder = serde_json::from_value(json).unwrap();
    assert_ne!(a.aggregate_id(), b.aggregate_id());
}

#[test]
fn value_objects_cannot_be_invalid() {
    let error = Address::new(String::new(), "123".into()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    let paths: Vec<_> = error
        .field_errors()
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(paths, ["street", "zip"]);
    let from_json =
        serde_json::from_value::<Address>(serde_json::json!({"street": "x", "zip": "1"}));
    let message = from_json.unwrap_err().to_string();
    assert!(message.contains("zip: must match the pattern"), "{message}");
    assert!(Email::new("mario@pizza.example".into()).is_ok());
    let bad = Email::new("mario".into()).unwrap_err();
    assert_eq!(bad.field_errors()[0].path, "value");
    let round_trip: Address =
        serde_json::from_value(serde_json::to_value(address()).unwrap()).unwrap();
    assert_eq!(round_trip, address());
}

#[test]
fn ids_are_transparent() {
    let id = OrderId::new();
    let json = serde_json::to_value(id).unwrap();
    assert_eq!(json, serde_json::json!(id.to_string()));
    assert_eq!(id.to_string().parse::<OrderId>().unwrap(), id);
}

#[tokio::test]
async fn the_lifecycle_refuses_commands_in_the_wrong_state() {
    let id = OrderId::new();
    AggregateTest::<Order>::event_sourced(id, ())
        .given([OrderEvent::OrderReady])
        .await
        .when(StartCooking { order_id: id })
        .await
        .then_error(ErrorKind::Domain)
        .then_error_message(&format!("cannot start cooking Order {id}: it is Ready"));
}

#[tokio::test]
async fn handlers_decide_and_apply_methods_change_state() {
    let id = OrderId::new();
    AggregateTest::<Order>::state_stored(id, ())
        .when(place(id))
        .await
        .then_state(|order| {
            assert_eq!(order.customer, "Mario");
            assert_eq!(order.pizza_count(), 1);
        });
    AggregateTest::<Order>::event_sourced(id, ())
        .given([OrderEvent::CookingStarted])
        .await
        .when(Cancel {
            order_id: id,
            reason: String::new(),
        })
        .await
        .then_error_message("an order needs a reason to be cancelled");
}

#[tokio::test]
async fn a_handler_whose_events_miss_its_to_state_is_reported() {
    let id = OrderId::new();
    AggregateTest::<Order>::event_sourced(id, ())
        .given([OrderEvent::OrderReady])
        .await
        .when(Deliver { order_id: id })
        .await
        .then_error_message("`deliver` declares `to = Delivered`");
}

#[tokio::test]
async fn one_call_registers_every_command() {
    let stores = Stores::in_memory();
    let mediator = Mediator::builder()
        .aggregate::<Order>(stores.repository::<Order>(()))
        .build()
        .unwrap();
    let id = OrderId::new();
    let metadata = Metadata::new();
    mediator.send(place(id), &metadata).await.unwrap();
    let outcome = mediator
        .send(StartCooking { order_id: id }, &metadata)
        .await
        .unwrap();
    assert_eq!(outcome.version, 2);
    mediator
        .send(MarkReady { order_id: id }, &metadata)
        .await
        .unwrap();
    let refused = mediator
        .send(
            Cancel {
                order_id: id,
                reason: "too late".into(),
            },
            &metadata,
        )
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!("cannot cancel order Order {id}: it is Ready")
    );
    let _ = Arc::new(());
}

#[test]
fn queries_validate_and_name_their_output() {
    let query = CountPizzas {
        order_id: OrderId::new(),
        limit: 11,
    };
    assert_eq!(query.validate().unwrap_err()[0].path, "limit");
    assert_eq!(CountPizzas::NAME, "CountPizzas");
    let _: Option<<CountPizzas as Query>::Output> = Some(3usize);
}
