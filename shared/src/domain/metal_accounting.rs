//! Metal accounting (reference rules §6): what the safe holds, what each customer company has on
//! deposit, and the append-only trail of metal transactions.

use super::amount::Grams;
use crate::error::{ApiError, ApiResult};

/// A row of the safe: pure metal of one catalogue metal, or the alloy that is mixed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupplyType {
    FineMetal,
    Alloy,
}

impl SupplyType {
    pub const ALL: [SupplyType; 2] = [SupplyType::FineMetal, SupplyType::Alloy];

    pub fn as_str(self) -> &'static str {
        match self {
            SupplyType::FineMetal => "FINE_METAL",
            SupplyType::Alloy => "ALLOY",
        }
    }

    /// Trimmed and upper-cased (`" fine_metal "` is `FINE_METAL`), as the old service read it.
    pub fn parse(field: &str, raw: &str) -> ApiResult<Self> {
        match raw.trim().to_uppercase().as_str() {
            "FINE_METAL" => Ok(SupplyType::FineMetal),
            "ALLOY" => Ok(SupplyType::Alloy),
            _ => Err(ApiError::field(
                field,
                format!("'{raw}' is not a supply type (one of FINE_METAL, ALLOY)"),
            )),
        }
    }
}

/// Why metal moved. Stored as the upper-case name (a CHECK constraint keeps the column honest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionType {
    /// A customer company handed metal over: its balance and the safe go up.
    CompanyDeposit,
    /// Casting used a company's metal (negative), or the exact reversal of that (positive).
    ManufacturingConsumption,
    /// The manufacturer bought metal into the safe.
    SafePurchase,
    /// Reserved by the schema; nothing writes it yet.
    SafeAdjustment,
    /// Fine metal a casting IN entry took out of the safe onto the floor (negative), or the exact
    /// reversal of that (positive).
    SafeIssue,
}

impl TransactionType {
    pub const ALL: [TransactionType; 5] = [
        TransactionType::CompanyDeposit,
        TransactionType::ManufacturingConsumption,
        TransactionType::SafePurchase,
        TransactionType::SafeAdjustment,
        TransactionType::SafeIssue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransactionType::CompanyDeposit => "COMPANY_DEPOSIT",
            TransactionType::ManufacturingConsumption => "MANUFACTURING_CONSUMPTION",
            TransactionType::SafePurchase => "SAFE_PURCHASE",
            TransactionType::SafeAdjustment => "SAFE_ADJUSTMENT",
            TransactionType::SafeIssue => "SAFE_ISSUE",
        }
    }

    /// Trimmed and upper-cased; `None` for anything else.
    pub fn from_code(raw: &str) -> Option<Self> {
        let wanted = raw.trim().to_uppercase();
        Self::ALL.into_iter().find(|t| t.as_str() == wanted)
    }

    /// What is wrong with a `raw` that [`Self::from_code`] refuses.
    pub fn unknown(raw: &str) -> String {
        format!(
            "'{raw}' is not a transaction type (one of COMPANY_DEPOSIT, \
             MANUFACTURING_CONSUMPTION, SAFE_PURCHASE, SAFE_ADJUSTMENT, SAFE_ISSUE)"
        )
    }

    /// [`Self::from_code`], or a 422 naming the body field `field`.
    pub fn parse(field: &str, raw: &str) -> ApiResult<Self> {
        Self::from_code(raw).ok_or_else(|| ApiError::field(field, Self::unknown(raw)))
    }
}

/// A weight that must be more than nothing (a purchase, a deposit): after rounding to 0.1 mg, so
/// `0.00001` is refused too.
pub fn positive_grams(field: &str, raw: Grams) -> ApiResult<Grams> {
    if raw > Grams::ZERO {
        Ok(raw)
    } else {
        Err(ApiError::field(field, "must be greater than 0"))
    }
}

/// The grams that undo casting consumptions whose signed amounts add up to `net` (negative while
/// the consumption stands): `-net`, so that consumption and reversal together sum to exactly zero
/// and a second reversal has nothing left to undo.
pub fn reversal_of(net: Grams) -> Grams {
    Grams::from_decimal(-net.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Grams {
        s.parse().unwrap()
    }

    #[test]
    fn supply_types_are_trimmed_and_upper_cased() {
        assert_eq!(
            SupplyType::parse("supply_type", " fine_metal ").unwrap(),
            SupplyType::FineMetal
        );
        assert_eq!(
            SupplyType::parse("supply_type", "ALLOY").unwrap(),
            SupplyType::Alloy
        );
        for bad in ["", "FINE", "GOLD", "alloys"] {
            let e = SupplyType::parse("supply_type", bad).unwrap_err();
            assert_eq!(e.status(), 422);
            assert!(e.detail().starts_with("supply_type: "), "{}", e.detail());
        }
    }

    #[test]
    fn transaction_types_round_trip() {
        for t in TransactionType::ALL {
            assert_eq!(TransactionType::parse("t", t.as_str()).unwrap(), t);
            assert_eq!(
                TransactionType::parse("t", &t.as_str().to_lowercase()).unwrap(),
                t
            );
        }
        let e = TransactionType::parse("transaction_type", "DEPOSIT").unwrap_err();
        assert!(e.detail().starts_with("transaction_type: 'DEPOSIT' is not"));
    }

    #[test]
    fn weights_must_be_positive_after_rounding() {
        assert_eq!(positive_grams("q", g("1.5")).unwrap(), g("1.5"));
        assert_eq!(positive_grams("q", g("0.0001")).unwrap(), g("0.0001"));
        for bad in ["0", "-1", "0.00004"] {
            assert_eq!(
                positive_grams("quantity_grams", g(bad))
                    .unwrap_err()
                    .detail(),
                "quantity_grams: must be greater than 0"
            );
        }
    }

    #[test]
    fn a_reversal_cancels_the_consumption_exactly() {
        // 60 g of 18K consumed 45 g fine: the reversal gives back exactly 45.
        assert_eq!(reversal_of(g("-45")), g("45"));
        assert_eq!(reversal_of(g("-0.0001")), g("0.0001"));
        // Consumed, reversed, consumed again at 64 g: the net after a second reversal is zero.
        let net = Grams::total([g("-45"), g("45"), g("-48")]).unwrap();
        let back = reversal_of(net);
        assert_eq!(Grams::total([net, back]).unwrap(), Grams::ZERO);
        assert_eq!(reversal_of(Grams::ZERO), Grams::ZERO);
    }
}
