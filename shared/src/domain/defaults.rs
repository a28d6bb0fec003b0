//! Per-tenant defaults: what sign-up provisions and what the `/seed` endpoints insert when missing
//! (reference rules §4 and §5).

pub struct LookupDefault {
    pub category: &'static str,
    pub code: &'static str,
    pub label: &'static str,
    pub sort_order: i32,
}

const fn lv(
    category: &'static str,
    code: &'static str,
    label: &'static str,
    sort_order: i32,
) -> LookupDefault {
    LookupDefault {
        category,
        code,
        label,
        sort_order,
    }
}

pub const LOOKUP_VALUES: &[LookupDefault] = &[
    lv("step_type", "DESIGN", "Design", 0),
    lv("step_type", "CASTING", "Casting", 1),
    lv("step_type", "STONE_SETTING", "Stone Setting", 2),
    lv("step_type", "POLISHING", "Polishing", 3),
    lv("step_type", "ENGRAVING", "Engraving", 4),
    lv("step_type", "QUALITY_CHECK", "Quality Check", 5),
    lv("step_type", "FINISHING", "Finishing", 6),
    lv("step_type", "OTHER", "Other", 7),
    lv("supply_type", "METAL", "Metal", 0),
    lv("supply_type", "GEMSTONE", "Gemstone", 1),
    lv("supply_type", "TOOL", "Tool", 2),
    lv("supply_type", "PACKAGING", "Packaging", 3),
    lv("supply_type", "OTHER", "Other", 4),
];

pub struct MetalDefault {
    pub code: &'static str,
    pub name: &'static str,
    pub metal_type: &'static str,
    /// Fine fraction as a decimal string, so the database stores exactly this value.
    pub fine_percentage: &'static str,
}

const fn m(
    code: &'static str,
    name: &'static str,
    metal_type: &'static str,
    fine: &'static str,
) -> MetalDefault {
    MetalDefault {
        code,
        name,
        metal_type,
        fine_percentage: fine,
    }
}

pub const METALS: &[MetalDefault] = &[
    m("GOLD_24K", "Gold 24K", "GOLD", "0.999"),
    m("GOLD_22K", "Gold 22K", "GOLD", "0.916"),
    m("GOLD_18K", "Gold 18K", "GOLD", "0.750"),
    m("GOLD_14K", "Gold 14K", "GOLD", "0.585"),
    m("SILVER_925", "Silver 925", "SILVER", "0.925"),
    m("PLATINUM", "Platinum", "PLATINUM", "0.950"),
];

/// Every tenant has this department; it cannot be deleted.
pub const INVENTORY_DEPARTMENT: &str = "Inventory";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_defaults_are_the_thirteen_of_the_reference() {
        assert_eq!(LOOKUP_VALUES.len(), 13);
        let steps: Vec<_> = LOOKUP_VALUES
            .iter()
            .filter(|v| v.category == "step_type")
            .collect();
        assert_eq!(steps.len(), 8);
        assert_eq!(
            (steps[2].code, steps[2].label, steps[2].sort_order),
            ("STONE_SETTING", "Stone Setting", 2)
        );
        let supplies: Vec<_> = LOOKUP_VALUES
            .iter()
            .filter(|v| v.category == "supply_type")
            .collect();
        assert_eq!(
            supplies.iter().map(|v| v.code).collect::<Vec<_>>(),
            ["METAL", "GEMSTONE", "TOOL", "PACKAGING", "OTHER"]
        );
        assert!(
            LOOKUP_VALUES
                .iter()
                .all(|v| v.code == v.code.to_uppercase())
        );
    }

    #[test]
    fn metal_defaults_have_the_reference_purities() {
        use crate::domain::amount::Number;
        use crate::domain::metal::Purity;
        let pairs: Vec<(&str, String)> = METALS
            .iter()
            .map(|m| {
                let raw: Number = m.fine_percentage.parse().unwrap();
                let purity = Purity::parse("fine_percentage", raw).unwrap();
                // Exactly what is written, nothing rounded away.
                assert_eq!(purity.get(), raw.get());
                (m.code, purity.to_string())
            })
            .collect();
        assert_eq!(
            pairs,
            [
                ("GOLD_24K", "0.999".to_string()),
                ("GOLD_22K", "0.916".to_string()),
                ("GOLD_18K", "0.75".to_string()),
                ("GOLD_14K", "0.585".to_string()),
                ("SILVER_925", "0.925".to_string()),
                ("PLATINUM", "0.95".to_string())
            ]
        );
    }
}
