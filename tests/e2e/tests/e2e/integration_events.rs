//! Integration events between two bounded contexts through a real NATS JetStream
//! (`nats-server` on 127.0.0.1): eshop-ordering publishes `OrderStartedIntegrationEvent` for
//! every order it saves, and eshop-basket — another process, with its own SQLite database —
//! empties the buyer's basket when it arrives. Each crash of issue 7 is provoked for real
//! (`SEEDWORK_FAULT` aborts the process at the named point, see `seedwork::nats`), and each
//! time the basket is emptied exactly once:
//!
//! 1. ordering dies after the order is committed and before the relay publishes it;
//! 2. ordering's relay dies after the broker has the message and before the outbox records it;
//! 3. the broker is down for a while;
//! 4. the basket dies after emptying the basket and before acknowledging the message.

use seedwork_e2e::{
    command_route, eventually, poll_until, query_route, with_id, Answer, Broker, Project, Service,
};
use serde_json::json;

use crate::{project, sqlite_in};

const BASKET_TOKENS: &str = "sh0p=ann:buyer";
const BUYER: (&str, &str) = ("authorization", "Bearer sh0p");
const STREAM: &str = "ESHOP_ORDERING";

/// Runs `query` (one `?` bound to `bind`) on the SQLite database at `path`; returns the count.
fn count(path: &str, query: &str, bind: &str) -> i64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .read_only(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let (count,): (i64,) = sqlx::query_as(query)
            .bind(bind)
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|error| panic!("{query}: {error}"));
        pool.close().await;
        count
    })
}

/// How often the basket `buyer` was emptied: its `BasketEmptied` events in the journal.
fn times_emptied(basket_db: &str, buyer: &str) -> i64 {
    count(
        basket_db,
        "SELECT count(*) FROM events WHERE aggregate_type = 'Basket' AND event_type = 'BasketEmptied' AND aggregate_id = ?",
        buyer,
    )
}

/// Integration events of ordering not yet published.
fn waiting_in_outbox(ordering_db: &str) -> i64 {
    count(
        ordering_db,
        "SELECT count(*) FROM outbox WHERE published_at IS NULL AND subject LIKE ?",
        "eshop_ordering.%",
    )
}

/// Messages in ordering's stream at the broker.
fn published(broker: &Broker) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(broker.url()).await.unwrap();
        let jetstream = async_nats::jetstream::new(client);
        match jetstream.get_stream(STREAM).await {
            Ok(mut stream) => stream.info().await.unwrap().state.messages,
            Err(_) => 0,
        }
    })
}

fn fill_basket(basket: &Service, project: &Project, buyer: &str) {
    let (method, path) = command_route(&project.model, "CreateBasket");
    let items = json!([{"product_id": 1, "product_name": ".NET Bot Black Hoodie", "unit_price": 19.5, "quantity": 2}]);
    let answer = basket.call(
        &method,
        &path,
        &[BUYER],
        Some(&json!({"basket_id": buyer, "items": items})),
    );
    assert_eq!(answer.status, 201, "filling a basket: {}", answer.body);
}

/// How many products the basket `buyer` holds.
fn in_basket(basket: &Service, project: &Project, buyer: &str) -> usize {
    let path = with_id(&query_route(&project.model, "GetBasket"), buyer);
    let answer = basket.call("GET", &path, &[BUYER], None);
    assert_eq!(answer.status, 200, "the basket: {}", answer.body);
    answer.body["items"].as_array().map_or(0, Vec::len)
}

/// Places an order for `buyer`; the answer, unless the service died first.
fn place_order(ordering: &Service, project: &Project, buyer: &str) -> Result<Answer, String> {
    let order = json!({
        "buyer_id": buyer,
        "address": {"street": "1 Infinite Loop", "city": "Cupertino", "state": "CA", "country": "USA", "zip_code": "95014"},
        "order_items": [{"product_id": 1, "product_name": ".NET Bot Black Hoodie", "unit_price": 19.5, "discount": 0, "units": 2}],
        "card_type": "Visa",
        "card_number": "4012888888881881",
        "card_holder_name": "Ann Buyer",
        "card_expiration": "2035-12-31T00:00:00Z",
        "card_security_number": "123"
    });
    let (method, path) = command_route(&project.model, "CreateOrder");
    let key = format!("order-for-{buyer}");
    ordering.try_call(&method, &path, &[("idempotency-key", &key)], Some(&order))
}

#[track_caller]
fn placed(answer: Result<Answer, String>) {
    let answer = answer.expect("the ordering service answers");
    assert_eq!(answer.status, 201, "placing an order: {}", answer.body);
}

#[test]
fn nats_integration_events_reach_the_other_context_once_through_crashes() {
    let ordering_project = project("eshop-ordering");
    let basket_project = project("eshop-basket");
    let data = tempfile::tempdir().unwrap();
    let ordering_db = sqlite_in(&data, "ordering.db");
    let basket_db = sqlite_in(&data, "basket.db");
    let mut broker = Broker::start();
    let nats = broker.url();
    let with_broker = [("NATS_URL", nats.as_str())];
    let serve_ordering = |fault: Option<&str>| {
        let mut env = vec![("NATS_URL", nats.as_str())];
        env.extend(fault.map(|fault| ("SEEDWORK_FAULT", fault)));
        ordering_project.serve_with(&ordering_db, "", &env)
    };
    let basket = basket_project.serve_with(&basket_db, BASKET_TOKENS, &with_broker);

    // 1. Killed after the commit, before the publication: the event waits in the outbox and
    //    is delivered once the service is back.
    let buyer = uuid::Uuid::new_v4().to_string();
    fill_basket(&basket, basket_project, &buyer);
    let mut ordering = serve_ordering(Some("relay-abort-before-publish"));
    // The relay may abort before the answer is written: the commit is what counts.
    let _ = place_order(&ordering, ordering_project, &buyer);
    let status = ordering.exited_within(30);
    assert!(!status.success(), "the provoked crash: {status}");
    assert_eq!(
        waiting_in_outbox(&ordering_db),
        1,
        "committed, not published"
    );
    assert_eq!(published(&broker), 0);
    assert_eq!(in_basket(&basket, basket_project, &buyer), 1);
    let ordering = serve_ordering(None);
    eventually("the basket is emptied after the restart", 60, || {
        in_basket(&basket, basket_project, &buyer) == 0
    });
    // The relay records the publication after the broker's acknowledgement, which may come
    // after the basket already handled the message.
    eventually("the outbox records the publication", 30, || {
        waiting_in_outbox(&ordering_db) == 0
    });
    assert_eq!(published(&broker), 1);
    assert_eq!(times_emptied(&basket_db, &buyer), 1);
    ordering.stop();

    // 2. The relay dies after the broker acknowledged the message and before the outbox
    //    recorded it: published again after the restart, and dropped by the broker.
    let buyer = uuid::Uuid::new_v4().to_string();
    fill_basket(&basket, basket_project, &buyer);
    let mut ordering = serve_ordering(Some("relay-abort-after-publish"));
    let _ = place_order(&ordering, ordering_project, &buyer);
    let status = ordering.exited_within(30);
    assert!(!status.success(), "the provoked crash: {status}");
    assert_eq!(
        waiting_in_outbox(&ordering_db),
        1,
        "published, not recorded"
    );
    assert_eq!(published(&broker), 2);
    let ordering = serve_ordering(None);
    eventually("the outbox is published again", 60, || {
        waiting_in_outbox(&ordering_db) == 0
    });
    eventually("the basket is emptied", 60, || {
        in_basket(&basket, basket_project, &buyer) == 0
    });
    assert_eq!(published(&broker), 2, "the broker dropped the duplicate");
    assert_eq!(times_emptied(&basket_db, &buyer), 1);

    // 3. The broker is down for a while: orders are still taken, their events wait in the
    //    outbox, and all arrive once it is back.
    broker.stop();
    let buyers: Vec<String> = (0..3).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for buyer in &buyers {
        fill_basket(&basket, basket_project, buyer);
        placed(place_order(&ordering, ordering_project, buyer));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(waiting_in_outbox(&ordering_db), 3, "waiting for the broker");
    broker.resume();
    eventually(
        "every basket is emptied once the broker is back",
        90,
        || {
            buyers
                .iter()
                .all(|buyer| in_basket(&basket, basket_project, buyer) == 0)
        },
    );
    eventually("the outbox records every publication", 30, || {
        waiting_in_outbox(&ordering_db) == 0
    });
    assert_eq!(published(&broker), 5);
    for buyer in &buyers {
        assert_eq!(times_emptied(&basket_db, buyer), 1);
    }

    // 4. The basket dies after emptying the basket and before acknowledging the message: the
    //    broker delivers it again (after its acknowledgement wait), and it is handled once.
    // The basket is emptied when the command commits; the acknowledgement reaches the broker
    // a moment later (and after a broker restart perhaps only on a redelivery), so wait for it.
    let mut deliveries_before = 0;
    let settled = poll_until(
        std::time::Duration::from_secs(90),
        || match basket_consumer(&broker) {
            Some((deliveries, true)) => {
                deliveries_before = deliveries;
                Ok(())
            }
            Some((deliveries, false)) => Err(format!(
                "{deliveries} deliveries, some not acknowledged yet"
            )),
            None => Err("the broker does not know the basket's consumer".to_owned()),
        },
    );
    if let Err(state) = settled {
        panic!("every earlier message is acknowledged within 90 s: {state}");
    }
    basket.stop();
    let mut crashing = basket_project.serve_with(
        &basket_db,
        BASKET_TOKENS,
        &[
            ("NATS_URL", &nats),
            ("SEEDWORK_FAULT", "consumer-abort-before-ack"),
        ],
    );
    let buyer = uuid::Uuid::new_v4().to_string();
    fill_basket(&crashing, basket_project, &buyer);
    placed(place_order(&ordering, ordering_project, &buyer));
    let status = crashing.exited_within(60);
    assert!(!status.success(), "the provoked crash: {status}");
    assert_eq!(
        times_emptied(&basket_db, &buyer),
        1,
        "handled before the crash"
    );
    let basket = basket_project.serve_with(&basket_db, BASKET_TOKENS, &with_broker);
    // The redelivery comes once the acknowledgement wait (30 s) is over; until it is
    // acknowledged, the consumer has a message pending. One message, delivered twice.
    eventually(
        "the message is delivered again and acknowledged",
        120,
        || {
            basket_consumer(&broker)
                .is_some_and(|(deliveries, settled)| settled && deliveries >= deliveries_before + 2)
        },
    );
    assert_eq!(in_basket(&basket, basket_project, &buyer), 0);
    assert_eq!(
        times_emptied(&basket_db, &buyer),
        1,
        "delivered twice, handled once"
    );
    basket.stop();
    ordering.stop();
}

/// What the basket's durable consumer has done: its deliveries so far (each redelivery counts
/// again), and whether it has nothing delivered and unacknowledged and nothing left to deliver.
/// `None` while the broker does not know the consumer yet.
fn basket_consumer(broker: &Broker) -> Option<(u64, bool)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(broker.url()).await.unwrap();
        let jetstream = async_nats::jetstream::new(client);
        let stream = jetstream.get_stream(STREAM).await.ok()?;
        let mut consumer: async_nats::jetstream::consumer::PullConsumer = stream
            .get_consumer("eshop_basket_empty_basket_when_order_started")
            .await
            .ok()?;
        let info = consumer.info().await.unwrap();
        Some((
            info.delivered.consumer_sequence,
            info.num_ack_pending == 0 && info.num_pending == 0,
        ))
    })
}
