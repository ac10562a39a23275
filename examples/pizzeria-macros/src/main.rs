//! A day at Mario's Pizzeria on in-memory stores: one order from the phone call to the
//! door, and the commands the pizzeria refuses on the way.

use std::process::ExitCode;
use std::sync::Arc;

use pizzeria_macros::application::{GetKitchenQueue, GetMenu, GetOrder, GetRevenue};
use pizzeria_macros::domain::{
    CancelOrder, DeliverOrder, MarkReady, OrderId, PaymentMethod, Pizza, PlaceOrder, Size,
    StartCooking,
};
use pizzeria_macros::infrastructure::{ConsoleSms, Pizzeria};
use seedwork::{Metadata, Principal, Result};

/// Prints how a step ended: `ok` and what it produced, or the HTTP status and the reason.
fn show<T>(what: &str, result: &Result<T>, done: impl Fn(&T) -> String) {
    match result {
        Ok(value) => println!("  ok   {what:<40} {}", done(value)),
        Err(error) => println!("  {}  {what:<40} {error}", error.status()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the demo could not run: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let pizzeria = Pizzeria::in_memory(Arc::new(ConsoleSms))?;
    let mediator = pizzeria.mediator();
    let customer =
        Metadata::new().with_principal(Principal::new("mario-rossi").with_role("customer"));
    let chef = Metadata::new().with_principal(Principal::new("chef-luigi").with_role("kitchen"));
    let driver =
        Metadata::new().with_principal(Principal::new("driver-toad").with_role("delivery"));
    let manager = Metadata::new().with_principal(Principal::new("mario").with_role("manager"));

    println!("Mario's Pizzeria — today's menu");
    for entry in mediator.query(GetMenu, &customer).await? {
        let [small, medium, large] = entry.prices;
        println!("  {:<18} {small} / {medium} / {large}", entry.name);
    }

    println!("\nOne order, from the phone call to the door");
    let order_id = OrderId::new();
    let placed = mediator
        .send(
            PlaceOrder {
                order_id,
                customer_name: "Mario Rossi".into(),
                customer_phone: "+15555550123".into(),
                customer_address: "12 Via Roma, Little Italy".into(),
                pizzas: vec![
                    Pizza::new("Margherita".into(), Size::Large, 1)?,
                    Pizza::new("Pepperoni".into(), Size::Medium, 1)?,
                ],
                payment_method: PaymentMethod::Card,
            },
            &customer,
        )
        .await;
    show("place the order", &placed, |outcome| {
        format!("version {}", outcome.version)
    });
    let queue = mediator.query(GetKitchenQueue, &chef).await;
    show("kitchen display", &queue, |queue| {
        format!("{} ticket(s) waiting", queue.len())
    });
    let cooking = mediator.send(StartCooking { order_id }, &chef).await;
    show("chef Luigi starts cooking", &cooking, |outcome| {
        format!("version {}", outcome.version)
    });
    let ready = mediator.send(MarkReady { order_id }, &chef).await;
    show("out of the oven", &ready, |outcome| {
        format!("version {}", outcome.version)
    });
    let delivered = mediator.send(DeliverOrder { order_id }, &driver).await;
    show("delivered", &delivered, |outcome| {
        format!("version {}", outcome.version)
    });
    let view = mediator.query(GetOrder { order_id }, &customer).await;
    show("track the order", &view, |view| {
        format!(
            "{:?}, {} for {}",
            view.status,
            view.total,
            view.pizzas.join(", ")
        )
    });
    let revenue = mediator.query(GetRevenue, &manager).await;
    show("today's revenue", &revenue, |revenue| {
        format!("{} order(s), {}", revenue.orders, revenue.amount)
    });

    println!("\nWhat the pizzeria refuses");
    let late = mediator
        .send(
            CancelOrder {
                order_id,
                reason: "changed my mind".into(),
            },
            &customer,
        )
        .await;
    show("cancel the delivered order", &late, |_| String::new());
    let again = mediator.send(StartCooking { order_id }, &chef).await;
    show("cook it again", &again, |_| String::new());
    let intruder = mediator.send(StartCooking { order_id }, &customer).await;
    show("a customer starts cooking", &intruder, |_| String::new());
    let diavola = mediator
        .send(
            PlaceOrder {
                order_id: OrderId::new(),
                customer_name: "Peach".into(),
                customer_phone: "+15555550199".into(),
                customer_address: "1 Castle Road, Mushroom Kingdom".into(),
                pizzas: vec![Pizza::new("Diavola".into(), Size::Small, 2)?],
                payment_method: PaymentMethod::Cash,
            },
            &customer,
        )
        .await;
    show("order a Diavola", &diavola, |_| String::new());
    let sloppy = mediator
        .send(
            PlaceOrder {
                order_id: OrderId::new(),
                customer_name: "X".into(),
                customer_phone: "555".into(),
                customer_address: "here".into(),
                pizzas: vec![],
                payment_method: PaymentMethod::Online,
            },
            &customer,
        )
        .await;
    show("an order with nothing right", &sloppy, |_| String::new());
    Ok(())
}
