//! The hygiene crate's types behave like any other macro-written domain.

use seedwork_macro_hygiene::{book, close, label, mediator, open, LedgerEvent, LedgerId};
use sw::{Command, DomainEvent, ErrorKind, Metadata};

#[test]
fn events_and_validation_work_under_a_renamed_crate() {
    assert_eq!(LedgerEvent::Booked { amount: 1 }.event_type(), "booked");
    assert_eq!(LedgerEvent::Closed.schema_version(), 2);
    let errors = book(LedgerId::new(), 5000, "euro").validate().unwrap_err();
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["amount", "currency"]);
    assert_eq!(label("").unwrap_err().kind(), ErrorKind::Validation);
}

#[test]
fn the_aggregate_runs_through_the_mediator() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mediator = mediator().unwrap();
        let (id, metadata) = (LedgerId::new(), Metadata::new());
        mediator
            .send(open(id, label("household").unwrap()), &metadata)
            .await
            .unwrap();
        let booked = mediator
            .send(book(id, 250, "EUR"), &metadata)
            .await
            .unwrap();
        assert_eq!(booked.version, 2);
        mediator.send(close(id), &metadata).await.unwrap();
        let refused = mediator
            .send(book(id, 1, "EUR"), &metadata)
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!("cannot book Ledger {id}: it is Closed")
        );
    });
}
