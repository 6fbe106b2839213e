//! The audit's vocabulary as types: severities, finding kinds and the rules behind them.
//!
//! Every report format takes its rule list from [`Rule::ALL`] (as cargo-deny's SARIF
//! output comes from its diagnostic enum), so a new rule cannot be missing from one.
//! Serialized names are stable: `undeclared_sdk`, `SDK-01`, `high`.

use serde::{Serialize, Serializer};
use std::fmt;

/// Severity of a finding, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Info,
    /// An accuracy defect.
    Low,
    /// A disclosure gap.
    Medium,
    /// What MIIT test reports flag.
    High,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    /// The lowercase name (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity {s:?} (info, low, medium, high)"))
    }
}

/// What kind of gap a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// An SDK in the APK that the policy does not name.
    UndeclaredSdk,
    /// A policy row for an SDK that is not in the APK.
    StaleSdk,
    /// A policy row that lacks a field the rules require.
    IncompleteEntry,
    /// The policy names only a category where the APK has concrete SDKs.
    VagueDisclosure,
    /// A requested privacy-relevant permission the policy does not explain.
    UndeclaredPermission,
    /// A permission the policy explains but the APK does not request.
    UnrequestedPermission,
    /// Personal data read or documented but not declared.
    UndeclaredData,
}

impl FindingKind {
    /// Every kind.
    pub const ALL: [FindingKind; 7] = [
        FindingKind::UndeclaredSdk,
        FindingKind::StaleSdk,
        FindingKind::IncompleteEntry,
        FindingKind::VagueDisclosure,
        FindingKind::UndeclaredPermission,
        FindingKind::UnrequestedPermission,
        FindingKind::UndeclaredData,
    ];

    /// The snake_case name used in every output (`undeclared_sdk`).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::UndeclaredSdk => "undeclared_sdk",
            FindingKind::StaleSdk => "stale_sdk",
            FindingKind::IncompleteEntry => "incomplete_entry",
            FindingKind::VagueDisclosure => "vague_disclosure",
            FindingKind::UndeclaredPermission => "undeclared_permission",
            FindingKind::UnrequestedPermission => "unrequested_permission",
            FindingKind::UndeclaredData => "undeclared_data",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A rule of `docs/audit-rules.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// SDK-01: SDK in the APK, not in the policy.
    Sdk01,
    /// SDK-02: SDK in the policy, not in the APK.
    Sdk02,
    /// SDK-03: SDK row lacks company, purpose, data or link.
    Sdk03,
    /// SDK-04: only a category where the APK has concrete SDKs.
    Sdk04,
    /// PERM-01: requested permission not explained.
    Perm01,
    /// PERM-02: explained permission not requested.
    Perm02,
    /// DATA-01: data read in code, not declared.
    Data01,
    /// DATA-02: data the SDK documents, not in its row.
    Data02,
    /// DATA-03: a row's permission whose data the row omits.
    Data03,
}

/// What a rule says, for every human and machine format.
#[derive(Debug, Clone, Copy)]
pub struct RuleText {
    /// One line (SARIF `shortDescription`).
    pub short: &'static str,
    /// When the rule fires (SARIF `fullDescription`).
    pub full: &'static str,
    /// How to fix it (SARIF `help`).
    pub help: &'static str,
    /// The regulation or standard clause it rests on.
    pub basis: &'static str,
    /// `short` in Chinese.
    pub short_zh: &'static str,
    /// `help` in Chinese.
    pub help_zh: &'static str,
}

impl Rule {
    /// Every rule, in document order.
    pub const ALL: [Rule; 9] = [
        Rule::Sdk01,
        Rule::Sdk02,
        Rule::Sdk03,
        Rule::Sdk04,
        Rule::Perm01,
        Rule::Perm02,
        Rule::Data01,
        Rule::Data02,
        Rule::Data03,
    ];

    /// The rule id (`SDK-01`).
    pub fn id(self) -> &'static str {
        match self {
            Rule::Sdk01 => "SDK-01",
            Rule::Sdk02 => "SDK-02",
            Rule::Sdk03 => "SDK-03",
            Rule::Sdk04 => "SDK-04",
            Rule::Perm01 => "PERM-01",
            Rule::Perm02 => "PERM-02",
            Rule::Data01 => "DATA-01",
            Rule::Data02 => "DATA-02",
            Rule::Data03 => "DATA-03",
        }
    }

    /// The kind of finding the rule raises.
    pub fn kind(self) -> FindingKind {
        match self {
            Rule::Sdk01 => FindingKind::UndeclaredSdk,
            Rule::Sdk02 => FindingKind::StaleSdk,
            Rule::Sdk03 => FindingKind::IncompleteEntry,
            Rule::Sdk04 => FindingKind::VagueDisclosure,
            Rule::Perm01 => FindingKind::UndeclaredPermission,
            Rule::Perm02 => FindingKind::UnrequestedPermission,
            Rule::Data01 | Rule::Data02 | Rule::Data03 => FindingKind::UndeclaredData,
        }
    }

    /// What the rule says (kept in step with docs/audit-rules.md).
    pub fn text(self) -> RuleText {
        const MIIT_METHOD: &str = "《App违法违规收集使用个人信息行为认定方法》";
        match self {
            Rule::Sdk01 => RuleText {
                short: "Third-party SDK in the APK but not in the privacy policy",
                full: "An SDK found in the APK (classes, native libraries, manifest entries) matches no row of the declared SDK list after alias and package resolution.",
                help: "Add a row for the SDK to the third-party SDK list: SDK name, legal entity, purpose, the personal data it collects and a link to its privacy policy.",
                basis: MIIT_METHOD,
                short_zh: "APK 中有第三方 SDK，隐私政策未列出",
                help_zh: "在第三方 SDK 清单中为该 SDK 增加一行：SDK 名称、开发者名称、使用目的、收集的个人信息和其隐私政策链接。",
            },
            Rule::Sdk02 => RuleText {
                short: "SDK declared in the policy but not found in the APK",
                full: "A policy row resolves to an SDK with no trace in the APK: a stale list, another platform or flavour, or a detection gap.",
                help: "Remove the row if the SDK is no longer used, or mark which platform or build uses it.",
                basis: "工信部信管函〔2023〕26号 (accuracy of the disclosure)",
                short_zh: "隐私政策列出的 SDK 在 APK 中未发现",
                help_zh: "如已不再使用，请删除该行；或注明使用它的平台或版本。",
            },
            Rule::Sdk03 => RuleText {
                short: "SDK row lacks a required field",
                full: "An SDK row lacks the company, the purpose, the personal data collected or the privacy-policy link.",
                help: "Complete the row: SDK name, legal entity, purpose, data collected and privacy-policy link.",
                basis: "工信部信管函〔2023〕26号; GB/T 41391-2022 4(f)",
                short_zh: "SDK 行缺少必填字段",
                help_zh: "补全该行：SDK 名称、开发者名称、使用目的、收集的个人信息和隐私政策链接。",
            },
            Rule::Sdk04 => RuleText {
                short: "Policy names only a category where the APK has a concrete SDK",
                full: "The policy speaks of a category (push service providers, advertising partners) where the APK carries concrete SDKs of that category.",
                help: "Name each SDK of the category individually, with its legal entity, purpose, data and link.",
                basis: MIIT_METHOD,
                short_zh: "隐私政策只写了类别，APK 中有具体 SDK",
                help_zh: "逐一列出该类别的每个 SDK，写明开发者名称、目的、收集的信息和链接。",
            },
            Rule::Perm01 => RuleText {
                short: "Requested permission not explained by the policy",
                full: "A privacy-relevant permission (dangerous or special access) requested in the manifest is explained neither by the permission list nor by an SDK row.",
                help: "Explain the permission in the permission list: what it is for and when it is requested, or remove it from the manifest.",
                basis: MIIT_METHOD,
                short_zh: "申请的权限未在隐私政策中说明",
                help_zh: "在权限说明中写明该权限的用途和申请时机，或从清单文件中删除该权限。",
            },
            Rule::Perm02 => RuleText {
                short: "Policy explains a permission the APK does not request",
                full: "The policy explains an Android permission that the APK's manifest does not request.",
                help: "Remove the permission from the list, or say which version or flavour requests it.",
                basis: "GB/T 35273-2020 5.5 (accuracy of the disclosure)",
                short_zh: "隐私政策说明了 APK 未申请的权限",
                help_zh: "从权限清单中删除该权限，或注明哪个版本申请它。",
            },
            Rule::Data01 => RuleText {
                short: "Code reads personal data the policy does not declare",
                full: "An SDK or the app's own code is seen reading a data type (a sensitive API call site) that its policy row, or the policy as a whole, does not declare.",
                help: "Declare the data type in the SDK's row (or in the app's collected-data list), or remove the call.",
                basis: MIIT_METHOD,
                short_zh: "代码读取了隐私政策未声明的个人信息",
                help_zh: "在该 SDK 的行（或应用自身收集的信息清单）中声明该类信息，或删除相应调用。",
            },
            Rule::Data02 => RuleText {
                short: "SDK row omits data the SDK documents collecting",
                full: "A declared SDK's row lists data, but not a type the SDK's own documentation says it collects and that was not seen in code.",
                help: "Check the SDK's compliance guide and list every type it collects in the row.",
                basis: "工信部信管函〔2023〕26号",
                short_zh: "SDK 行未列出该 SDK 文档所述收集的信息",
                help_zh: "核对该 SDK 的合规指南，将其收集的每类信息列入该行。",
            },
            Rule::Data03 => RuleText {
                short: "SDK row lists a permission but none of its data",
                full: "An SDK row lists a dangerous permission the APK requests but none of the data that permission gives access to.",
                help: "List in the row the data the permission gives access to (e.g. READ_PHONE_STATE: IMEI, IMSI).",
                basis: "工信部信管函〔2023〕26号",
                short_zh: "SDK 行列出了权限但未列出其对应的信息",
                help_zh: "在该行中列出该权限可访问的信息（如 READ_PHONE_STATE：IMEI、IMSI）。",
            },
        }
    }

    /// The rule with id `s`.
    pub fn from_id(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == s)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl PartialEq<&str> for FindingKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.id() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_rule_and_names_round_trip() {
        for k in FindingKind::ALL {
            assert!(Rule::ALL.iter().any(|r| r.kind() == k), "{k} has no rule");
        }
        for r in Rule::ALL {
            assert_eq!(Rule::from_id(r.id()), Some(r));
            let t = r.text();
            assert!(!t.short.is_empty() && !t.full.is_empty() && !t.help.is_empty());
        }
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
        }
        assert_eq!(
            serde_json::to_string(&FindingKind::UndeclaredData).unwrap(),
            "\"undeclared_data\""
        );
    }
}
