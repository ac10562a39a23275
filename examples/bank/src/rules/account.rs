//! The business rules of the account aggregate. seedwork wrote this file once and never
//! overwrites it: it is yours.
//!
//! The rules of the document that need arithmetic: a deposit or withdrawal records the
//! balance it leaves ("the deposit rule adds the amount to the current balance"; one that
//! would take it past the largest amount a `Decimal` holds is refused), a
//! withdrawal larger than the balance is refused ("Insufficient funds"), and an account
//! closes only at zero balance ("Cannot close account with positive balance"). That nothing
//! moves on a closed account is the lifecycle's `from = ["Open"]`; that amounts are positive is
//! a constraint of the commands.

use rust_decimal::Decimal;

use crate::generated::domain::account::{
    Account, AccountError, AccountEvent, AccountRules, CloseAccount, DepositMoney, WithdrawMoney,
};

use super::Rules;

/// The balance after `event`, for the events that carry one.
fn set_balance(events: &mut [AccountEvent], after: Decimal) {
    for event in events {
        if let AccountEvent::MoneyDeposited { balance, .. }
        | AccountEvent::MoneyWithdrawn { balance, .. } = event
        {
            *balance = after;
        }
    }
}

/// The balance after depositing `amount` on `balance`, or the refusal when it would be more
/// than an account can hold (`Decimal::MAX`).
pub fn after_deposit(balance: Decimal, amount: Decimal) -> Result<Decimal, AccountError> {
    balance.checked_add(amount).ok_or_else(|| {
        AccountError::rejected(format!(
            "The balance cannot exceed {}: balance {balance}, deposit {amount}",
            Decimal::MAX
        ))
    })
}

/// The balance left after withdrawing `amount` from `balance`, or the refusal.
pub fn after_withdrawal(balance: Decimal, amount: Decimal) -> Result<Decimal, AccountError> {
    if amount > balance {
        return Err(AccountError::rejected(format!(
            "Insufficient funds: balance {balance}, requested {amount}"
        )));
    }
    Ok(balance - amount)
}

impl AccountRules for Rules {
    fn deposit_money(
        state: &Account,
        command: &DepositMoney,
        _context: &seedwork::CommandContext<'_, Account>,
        mut proposed: Vec<AccountEvent>,
    ) -> Result<Vec<AccountEvent>, AccountError> {
        let after = after_deposit(state.balance, command.amount)?;
        set_balance(&mut proposed, after);
        Ok(proposed)
    }

    fn withdraw_money(
        state: &Account,
        command: &WithdrawMoney,
        _context: &seedwork::CommandContext<'_, Account>,
        mut proposed: Vec<AccountEvent>,
    ) -> Result<Vec<AccountEvent>, AccountError> {
        let after = after_withdrawal(state.balance, command.amount)?;
        set_balance(&mut proposed, after);
        Ok(proposed)
    }

    fn close_account(
        state: &Account,
        _command: &CloseAccount,
        _context: &seedwork::CommandContext<'_, Account>,
        proposed: Vec<AccountEvent>,
    ) -> Result<Vec<AccountEvent>, AccountError> {
        if state.balance > Decimal::ZERO {
            return Err(AccountError::rejected(format!(
                "Cannot close account with positive balance ({})",
                state.balance
            )));
        }
        Ok(proposed)
    }
}

#[cfg(test)]
mod tests {
    use seedwork::testkit::AggregateTest;
    use seedwork::ErrorKind;

    use super::*;
    use crate::generated::domain::account::AccountId;

    fn opened(balance: i64) -> AccountEvent {
        AccountEvent::AccountCreated {
            balance: Decimal::from(balance),
        }
    }

    #[tokio::test]
    async fn a_withdrawal_larger_than_the_balance_is_refused() {
        let id = AccountId::from(String::from("account123"));
        AggregateTest::<Account>::event_sourced(id.clone(), ())
            .given([opened(100)])
            .await
            .when(WithdrawMoney {
                account_id: id,
                amount: Decimal::from(150),
            })
            .await
            .then_error(ErrorKind::Domain)
            .then_error_message("Insufficient funds: balance 100, requested 150");
    }

    #[tokio::test]
    async fn movements_record_the_balance_they_leave() {
        let id = AccountId::from(String::from("account123"));
        AggregateTest::<Account>::event_sourced(id.clone(), ())
            .given([opened(100)])
            .await
            .when(DepositMoney {
                account_id: id.clone(),
                amount: Decimal::new(2550, 2),
            })
            .await
            .then_state(|account| assert_eq!(account.balance, Decimal::new(12550, 2)));
        let withdrawn = AggregateTest::<Account>::event_sourced(id.clone(), ())
            .given([opened(100)])
            .await
            .when(WithdrawMoney {
                account_id: id,
                amount: Decimal::from(40),
            })
            .await;
        withdrawn.then_state(|account| assert_eq!(account.balance, Decimal::from(60)));
    }

    /// A deposit that would overflow the balance is refused, not a panic (a 500 over HTTP).
    #[tokio::test]
    async fn a_deposit_past_the_largest_balance_is_refused() {
        let id = AccountId::from(String::from("account123"));
        AggregateTest::<Account>::event_sourced(id.clone(), ())
            .given([AccountEvent::AccountCreated {
                balance: Decimal::from_i128_with_scale(79 * 10_i128.pow(27), 0),
            }])
            .await
            .when(DepositMoney {
                account_id: id,
                amount: Decimal::from_i128_with_scale(10_i128.pow(27), 0),
            })
            .await
            .then_error(ErrorKind::Domain);
    }

    #[tokio::test]
    async fn an_account_closes_only_at_zero_balance() {
        let id = AccountId::from(String::from("account123"));
        AggregateTest::<Account>::event_sourced(id.clone(), ())
            .given([opened(5)])
            .await
            .when(CloseAccount {
                account_id: id.clone(),
            })
            .await
            .then_error(ErrorKind::Domain)
            .then_error_message("Cannot close account with positive balance (5)");
        let closed = AggregateTest::<Account>::event_sourced(id.clone(), ())
            .given([opened(0)])
            .await
            .when(CloseAccount { account_id: id })
            .await;
        assert!(closed.result().is_ok(), "an empty account closes");
    }
}
