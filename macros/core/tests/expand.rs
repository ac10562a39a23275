//! Expansion snapshots: what each macro writes for a representative input, formatted with
//! prettyplease so that a change in the generated code shows as a readable diff. A snapshot
//! change is a behaviour change; review it like code.

use proc_macro2::TokenStream;
use quote::quote;

/// Formats an expansion as a Rust file; fails the test if the expansion is not valid Rust.
fn pretty(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens.clone())
        .unwrap_or_else(|error| panic!("expansion does not parse: {error}\n{tokens}"));
    prettyplease::unparse(&file)
}

#[test]
fn event_enum() {
    let expanded = seedwork_macros_core::expand_event(
        quote!(),
        quote! {
            /// What happened to an order.
            pub enum OrderEvent {
                OrderPlaced { customer: String, pizzas: Vec<Pizza> },
                #[event(name = "cooking_started", version = 2)]
                CookingStarted,
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn event_struct_with_renamed_crate() {
    let expanded = seedwork_macros_core::expand_event(
        quote!(
            name = "money_deposited",
            version = 3,
            crate = ::bank_runtime
        ),
        quote! {
            #[derive(Debug)]
            pub struct MoneyDeposited { pub amount: i64 }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn command() {
    let expanded = seedwork_macros_core::expand_command(
        quote!(aggregate = Order, creates, roles = ["customer"]),
        quote! {
            /// Places an order.
            pub struct PlaceOrder {
                #[id(generate)]
                pub order_id: OrderId,
                #[validate(length(min = 2, max = 100))]
                pub customer: String,
                #[validate(items(min = 1, max = 20))]
                pub pizzas: Vec<Pizza>,
                #[validate(pattern = "^[0-9]{5}$")]
                pub zip: String,
                #[validate(email)]
                pub email: Option<String>,
                #[validate(range(min = 0, max = 50))]
                pub tip: f64,
                #[validate(custom = crate::rules::known_coupon)]
                pub coupon: Option<String>,
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn query() {
    let expanded = seedwork_macros_core::expand_query(
        quote!(output = Vec<KitchenTicket>, roles = ["kitchen"]),
        quote! {
            pub struct KitchenQueue {
                #[validate(range(min = 1, max = 100))]
                pub limit: u32,
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn value_object() {
    let expanded = seedwork_macros_core::expand_value_object(
        quote!(),
        quote! {
            /// Where an order goes.
            #[serde(rename_all = "camelCase")]
            pub struct Address {
                #[validate(length(min = 1, max = 200))]
                street: String,
                #[validate(pattern = "^[0-9]{5}$")]
                zip_code: String,
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn aggregate_state() {
    let expanded = seedwork_macros_core::expand_aggregate(
        quote!(
            id = OrderId,
            event = OrderEvent,
            error = OrderError,
            status = status,
            storage = state_stored
        ),
        quote! {
            #[derive(Debug, Default)]
            pub struct Order {
                status: OrderStatus,
                customer: String,
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn aggregate_impl() {
    let expanded = seedwork_macros_core::expand_aggregate(
        quote!(),
        quote! {
            impl Order {
                #[handle]
                fn place(&self, command: PlaceOrder) -> Result<OrderEvent, OrderError> {
                    Ok(OrderEvent::OrderPlaced { customer: command.customer })
                }

                #[handle(from = [Placed], to = Cooking)]
                async fn start_cooking(&self, _: StartCooking, context: &CommandContext<'_, Self>) -> Vec<OrderEvent> {
                    vec![OrderEvent::CookingStarted]
                }

                #[apply(OrderPlaced)]
                fn placed(&mut self, customer: &str) {
                    self.customer = customer.to_owned();
                }

                #[apply(CookingStarted)]
                fn cooking_started(&mut self) {
                    self.status = OrderStatus::Cooking;
                }
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn aggregate_id() {
    let expanded = seedwork_macros_core::expand_aggregate_id(
        quote!(),
        quote!(
            pub struct OrderId(Uuid);
        ),
    );
    insta::assert_snapshot!(pretty(expanded));
}

/// A mistake still emits the item and its impls, plus one error at the mistake.
#[test]
fn mistakes_keep_the_item() {
    let expanded = seedwork_macros_core::expand_command(
        quote!(agregate = Order),
        quote! {
            pub struct StartCooking {
                #[id]
                order_id: OrderId,
                #[validate(length(min = 5, max = 2))]
                note: String,
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}
