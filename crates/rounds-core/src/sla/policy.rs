//! The SLA policy: a response target and a resolution target for each fault level.
//!
//! Each target is an amount of counted time and the clock it is counted on: `24x7` (every
//! real second counts) or `business` (only business seconds of the deployment's
//! [`BusinessCalendar`](super::BusinessCalendar) count). The defaults are the ones in the
//! service contract digest (domain.md); a deployment may override them with a TOML file:
//!
//! ```toml
//! [[levels]]
//! level = 1
//! respond = { target = { minutes = 15 }, clock = "24x7" }
//! resolve = { target = { hours = 4 }, clock = "24x7" }
//!
//! [[levels]]
//! level = 2
//! respond = { target = { minutes = 30 }, clock = "24x7" }
//! resolve = { target = { hours = 8 }, clock = "24x7" }
//!
//! [[levels]]
//! level = 3
//! respond = { target = { hours = 2 }, clock = "business" }
//! resolve = { target = { business_days = 3 }, clock = "business" }
//!
//! [[levels]]
//! level = 4
//! respond = { target = { business_days = 1 }, clock = "business" }
//! resolve = { target = { business_days = 10 }, clock = "business" }
//! ```
//!
//! Invariants of a validated policy: all four levels are present exactly once, every target
//! is positive and at most [`MAX_TARGET_DAYS`] days long, and `business_days` targets are
//! only used on the business clock (a "business day" means nothing on a 24x7 clock).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::SlaError;

/// Longest target accepted, in days (24 h days, or business days): a year and a bit. Keeps
/// every due-time search well inside its horizon.
pub const MAX_TARGET_DAYS: u32 = 400;

/// Why a policy was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("SLA policy is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("SLA policy level {0} does not exist: levels are 1 to 4")]
    UnknownLevel(u8),
    #[error("SLA policy lists level {0} twice")]
    DuplicateLevel(u8),
    #[error("SLA policy is missing level {0}")]
    MissingLevel(u8),
    #[error("level {level} {which} target must be more than zero")]
    ZeroTarget { level: u8, which: &'static str },
    #[error("level {level} {which} target is longer than {MAX_TARGET_DAYS} days")]
    TargetTooLong { level: u8, which: &'static str },
    #[error(
        "level {level} {which} target is in business days but its clock is 24x7: use hours, or clock = \"business\""
    )]
    BusinessDaysOn24x7 { level: u8, which: &'static str },
}

/// An amount of counted time. In TOML: `{ minutes = 15 }`, `{ hours = 2 }` or
/// `{ business_days = 3 }`. On the business clock minutes and hours are business minutes and
/// hours; a business day is the calendar's [`day_seconds`](super::BusinessCalendar::day_seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Minutes(u32),
    Hours(u32),
    BusinessDays(u32),
}

impl Target {
    fn is_zero(self) -> bool {
        matches!(
            self,
            Target::Minutes(0) | Target::Hours(0) | Target::BusinessDays(0)
        )
    }

    fn is_too_long(self) -> bool {
        let max = u64::from(MAX_TARGET_DAYS);
        match self {
            Target::Minutes(m) => u64::from(m) > max * 24 * 60,
            Target::Hours(h) => u64::from(h) > max * 24,
            Target::BusinessDays(d) => u64::from(d) > max,
        }
    }
}

/// Which clock a target is counted on. In TOML: `"24x7"` or `"business"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum ClockKind {
    #[serde(rename = "24x7")]
    TwentyFourSeven,
    #[serde(rename = "business")]
    Business,
}

/// One target and its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockTarget {
    pub target: Target,
    pub clock: ClockKind,
}

/// The two targets of one fault level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelTargets {
    /// Time to the first acknowledgement.
    pub respond: ClockTarget,
    /// Time to resolution.
    pub resolve: ClockTarget,
}

/// Targets for fault levels 1 to 4 (index 0 is level 1). Build one with [`Default`],
/// [`SlaPolicy::new`] or [`SlaPolicy::from_toml_str`]; each validates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicyFile", into = "PolicyFile")]
pub struct SlaPolicy {
    levels: [LevelTargets; 4],
}

impl Default for SlaPolicy {
    /// The contract defaults (domain.md, "Four fault levels").
    fn default() -> Self {
        use ClockKind::{Business, TwentyFourSeven};
        use Target::{BusinessDays, Hours, Minutes};
        let t = |target, clock| ClockTarget { target, clock };
        Self {
            levels: [
                LevelTargets {
                    respond: t(Minutes(15), TwentyFourSeven),
                    resolve: t(Hours(4), TwentyFourSeven),
                },
                LevelTargets {
                    respond: t(Minutes(30), TwentyFourSeven),
                    resolve: t(Hours(8), TwentyFourSeven),
                },
                LevelTargets {
                    respond: t(Hours(2), Business),
                    resolve: t(BusinessDays(3), Business),
                },
                LevelTargets {
                    respond: t(BusinessDays(1), Business),
                    resolve: t(BusinessDays(10), Business),
                },
            ],
        }
    }
}

impl SlaPolicy {
    /// Validates targets for levels 1 to 4 (index 0 is level 1).
    pub fn new(levels: [LevelTargets; 4]) -> Result<Self, PolicyError> {
        for (level, targets) in (1_u8..).zip(&levels) {
            for (which, t) in [("respond", targets.respond), ("resolve", targets.resolve)] {
                if t.target.is_zero() {
                    return Err(PolicyError::ZeroTarget { level, which });
                }
                if t.target.is_too_long() {
                    return Err(PolicyError::TargetTooLong { level, which });
                }
                if matches!(t.target, Target::BusinessDays(_))
                    && t.clock == ClockKind::TwentyFourSeven
                {
                    return Err(PolicyError::BusinessDaysOn24x7 { level, which });
                }
            }
        }
        Ok(Self { levels })
    }

    /// Parses and validates a policy file (format in the module docs).
    pub fn from_toml_str(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = toml::from_str(text)?;
        Self::try_from(file)
    }

    /// The targets of fault level `level` (1 to 4).
    pub fn level(&self, level: u8) -> Result<&LevelTargets, SlaError> {
        match level {
            1..=4 => Ok(&self.levels[usize::from(level - 1)]),
            _ => Err(SlaError::UnknownLevel(level)),
        }
    }

    /// All four levels, index 0 being level 1.
    pub fn levels(&self) -> &[LevelTargets; 4] {
        &self.levels
    }
}

/// The policy as written: a list of levels, each naming its number so the file reads
/// without counting positions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    levels: Vec<LevelEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelEntry {
    level: u8,
    respond: ClockTarget,
    resolve: ClockTarget,
}

impl TryFrom<PolicyFile> for SlaPolicy {
    type Error = PolicyError;

    fn try_from(file: PolicyFile) -> Result<Self, PolicyError> {
        let mut slots: [Option<LevelTargets>; 4] = [None; 4];
        for entry in file.levels {
            let slot = match entry.level {
                1..=4 => &mut slots[usize::from(entry.level - 1)],
                other => return Err(PolicyError::UnknownLevel(other)),
            };
            if slot.is_some() {
                return Err(PolicyError::DuplicateLevel(entry.level));
            }
            *slot = Some(LevelTargets {
                respond: entry.respond,
                resolve: entry.resolve,
            });
        }
        let mut levels = [LevelTargets {
            respond: ClockTarget {
                target: Target::Minutes(1),
                clock: ClockKind::TwentyFourSeven,
            },
            resolve: ClockTarget {
                target: Target::Minutes(1),
                clock: ClockKind::TwentyFourSeven,
            },
        }; 4];
        for ((level, slot), out) in (1_u8..).zip(slots).zip(&mut levels) {
            *out = slot.ok_or(PolicyError::MissingLevel(level))?;
        }
        SlaPolicy::new(levels)
    }
}

impl From<SlaPolicy> for PolicyFile {
    fn from(policy: SlaPolicy) -> Self {
        Self {
            levels: (1_u8..)
                .zip(policy.levels)
                .map(|(level, t)| LevelEntry {
                    level,
                    respond: t.respond,
                    resolve: t.resolve,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file in the module docs, which must equal the defaults.
    const DEFAULTS_TOML: &str = r#"
        [[levels]]
        level = 1
        respond = { target = { minutes = 15 }, clock = "24x7" }
        resolve = { target = { hours = 4 }, clock = "24x7" }

        [[levels]]
        level = 2
        respond = { target = { minutes = 30 }, clock = "24x7" }
        resolve = { target = { hours = 8 }, clock = "24x7" }

        [[levels]]
        level = 3
        respond = { target = { hours = 2 }, clock = "business" }
        resolve = { target = { business_days = 3 }, clock = "business" }

        [[levels]]
        level = 4
        respond = { target = { business_days = 1 }, clock = "business" }
        resolve = { target = { business_days = 10 }, clock = "business" }
    "#;

    #[test]
    fn documented_file_is_the_default() {
        assert_eq!(
            SlaPolicy::from_toml_str(DEFAULTS_TOML).unwrap(),
            SlaPolicy::default()
        );
    }

    #[test]
    fn round_trips_through_toml_and_json() {
        let policy = SlaPolicy::default();
        let text = toml::to_string(&policy).unwrap();
        assert_eq!(SlaPolicy::from_toml_str(&text).unwrap(), policy);
        let json = serde_json::to_value(&policy).unwrap();
        assert_eq!(
            json["levels"][0]["respond"],
            serde_json::json!({ "target": { "minutes": 15 }, "clock": "24x7" })
        );
        assert_eq!(serde_json::from_value::<SlaPolicy>(json).unwrap(), policy);
    }

    #[test]
    fn levels_may_come_in_any_order() {
        let blocks: Vec<&str> = DEFAULTS_TOML.split("[[levels]]").skip(1).collect();
        let reversed: String = blocks
            .iter()
            .rev()
            .map(|b| format!("[[levels]]{b}"))
            .collect();
        assert_eq!(
            SlaPolicy::from_toml_str(&reversed).unwrap(),
            SlaPolicy::default()
        );
    }

    #[test]
    fn level_lookup() {
        let policy = SlaPolicy::default();
        assert_eq!(
            policy.level(3).unwrap().resolve.target,
            Target::BusinessDays(3)
        );
        assert!(matches!(policy.level(0), Err(SlaError::UnknownLevel(0))));
        assert!(matches!(policy.level(5), Err(SlaError::UnknownLevel(5))));
    }

    #[test]
    fn refuses_invalid_policies() {
        let cases: Vec<(String, &str)> = vec![
            (
                DEFAULTS_TOML.replace("level = 4", "level = 5"),
                "level 5 does not exist",
            ),
            (
                DEFAULTS_TOML.replace("level = 4", "level = 3"),
                "lists level 3 twice",
            ),
            (
                DEFAULTS_TOML
                    .split("[[levels]]")
                    .take(4)
                    .collect::<Vec<_>>()
                    .join("[[levels]]"),
                "missing level 4",
            ),
            (
                DEFAULTS_TOML.replace("{ minutes = 15 }", "{ minutes = 0 }"),
                "level 1 respond target must be more than zero",
            ),
            (
                DEFAULTS_TOML.replace("{ business_days = 10 }", "{ business_days = 401 }"),
                "level 4 resolve target is longer than 400 days",
            ),
            (
                DEFAULTS_TOML.replace(
                    r#"{ target = { hours = 8 }, clock = "24x7" }"#,
                    r#"{ target = { business_days = 1 }, clock = "24x7" }"#,
                ),
                "level 2 resolve target is in business days but its clock is 24x7",
            ),
            (
                DEFAULTS_TOML.replace("{ hours = 4 }", "{ weeks = 4 }"),
                "unknown variant `weeks`",
            ),
            (
                DEFAULTS_TOML.replace("\"24x7\"", "\"7x24\""),
                "unknown variant `7x24`",
            ),
            (
                DEFAULTS_TOML.replace("{ hours = 4 }", "{ hours = -4 }"),
                "invalid value",
            ),
        ];
        for (text, expected) in cases {
            let err = SlaPolicy::from_toml_str(&text)
                .expect_err(&format!("accepted:\n{text}"))
                .to_string();
            assert!(
                err.contains(expected),
                "expected an error containing {expected:?}, got {err:?}"
            );
        }
    }
}
