//! Every error kind maps to one HTTP status and an RFC 9457 body.
#![allow(missing_docs)]

use seedwork::{Error, ErrorKind, FieldError, PROBLEM_JSON};

#[test]
fn each_kind_maps_to_its_status() {
    let cases = [
        (
            Error::invalid("amount", "must be positive"),
            ErrorKind::Validation,
            422,
        ),
        (Error::not_found("Account", 42), ErrorKind::NotFound, 404),
        (
            Error::version_conflict("Account-42", 3, Some(4)),
            ErrorKind::Conflict,
            409,
        ),
        (
            Error::Unauthorized("no token".into()),
            ErrorKind::Unauthorized,
            401,
        ),
        (
            Error::Forbidden("not a manager".into()),
            ErrorKind::Forbidden,
            403,
        ),
        (Error::domain("Insufficient funds"), ErrorKind::Domain, 422),
        (
            Error::infrastructure("connection refused"),
            ErrorKind::Infrastructure,
            500,
        ),
        (
            Error::Decode {
                what: "event",
                stream: "Account-42".into(),
                version: 7,
                message: "missing field".into(),
            },
            ErrorKind::Infrastructure,
            500,
        ),
    ];
    for (error, kind, status) in cases {
        assert_eq!(error.kind(), kind, "{error}");
        assert_eq!(error.status(), status, "{error}");
        let problem = error.to_problem();
        assert_eq!(problem.status, status);
        assert!(problem.type_uri.ends_with(kind.slug()));
    }
}

#[test]
fn a_problem_body_lists_every_field_error() {
    let error = Error::Validation(vec![
        FieldError::new("address.zip", "must match ^[0-9]{5}$"),
        FieldError::new("pizzas", "must have at least 1 item"),
    ]);
    let json = serde_json::to_value(error.to_problem()).unwrap();
    assert_eq!(json["status"], 422);
    assert_eq!(json["errors"][0]["path"], "address.zip");
    assert_eq!(json["errors"][1]["message"], "must have at least 1 item");
    assert_eq!(PROBLEM_JSON, "application/problem+json");
}

#[test]
fn infrastructure_details_do_not_leak_to_clients() {
    let problem =
        Error::infrastructure("password authentication failed for user admin").to_problem();
    assert!(!problem.detail.contains("password"), "{}", problem.detail);
    assert!(serde_json::to_value(&problem)
        .unwrap()
        .get("errors")
        .is_none());
}

#[test]
fn conflicts_say_what_was_expected() {
    let error = Error::version_conflict("Account-42", 3, Some(5));
    assert_eq!(
        error.to_string(),
        "conflict on Account-42: expected version 3, found 5"
    );
    assert!(error.is_conflict());
}

/// A refusal by the lifecycle and one by a business rule are both 422, with problem types a
/// client can tell apart.
#[test]
fn lifecycle_and_rule_refusals_have_their_own_problem_types() {
    let wrong_state = Error::WrongState(seedwork::LifecycleError::new(
        "StartCooking",
        "Order",
        42,
        "Delivered",
    ));
    assert_eq!(wrong_state.kind(), ErrorKind::Domain);
    let problem = wrong_state.to_problem();
    assert_eq!(problem.status, 422);
    assert_eq!(problem.type_uri, "https://seedwork.dev/problems/lifecycle");
    assert_eq!(
        problem.detail,
        "cannot start cooking Order 42: it is Delivered"
    );
    let rule = Error::domain("Insufficient funds").to_problem();
    assert_eq!(rule.type_uri, "https://seedwork.dev/problems/domain-rule");
}
