//! Display names of SDK categories (`data/categories.toml`), English and Chinese, for the
//! human tables; machine formats keep [`Category::as_str`].

use super::signatures::Category;
use super::Lang;
use serde::Deserialize;
use std::collections::BTreeMap;

pub(crate) const EMBEDDED: &str = include_str!("../../data/categories.toml");

/// The English and Chinese name of one category.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryName {
    /// English name.
    pub en: String,
    /// Chinese name.
    pub zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    categories: BTreeMap<Category, CategoryName>,
}

/// Every category's names, validated: each [`Category`] has an entry, no unknown ones,
/// both names non-empty and the Chinese one holds Chinese text.
#[derive(Debug, Clone, Default)]
pub struct CategoryNames {
    names: BTreeMap<Category, CategoryName>,
}

impl CategoryNames {
    /// Parse and validate the table.
    pub fn load(text: &str) -> Result<CategoryNames, String> {
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        for c in Category::ALL {
            let n = f
                .categories
                .get(&c)
                .ok_or_else(|| format!("category {c} has no names"))?;
            if n.en.trim().is_empty() {
                return Err(format!("category {c}: empty en name"));
            }
            if !n
                .zh
                .chars()
                .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))
            {
                return Err(format!(
                    "category {c}: zh name {:?} has no Chinese text",
                    n.zh
                ));
            }
        }
        Ok(CategoryNames {
            names: f.categories,
        })
    }

    /// The name of `c` in `lang`; the id when the table lacks it (only a lenient load).
    pub fn name(&self, c: Category, lang: Lang) -> &str {
        match (self.names.get(&c), lang) {
            (Some(n), Lang::En) => &n.en,
            (Some(n), Lang::Zh) => &n.zh,
            (None, _) => c.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_both_names() {
        let db = CategoryNames::load(EMBEDDED).unwrap();
        for c in Category::ALL {
            let en = db.name(c, Lang::En);
            let zh = db.name(c, Lang::Zh);
            // English tables show the id, so English output does not move
            assert_eq!(en, c.as_str(), "{c}");
            assert!(zh.chars().any(|ch| ch > '\u{2e7f}'), "{c}: {zh}");
            assert_ne!(zh, en, "{c}");
        }
    }

    #[test]
    fn rejects_missing_unknown_and_non_chinese_entries() {
        assert!(
            CategoryNames::load("[categories]\nads = { en = \"ads\", zh = \"广告\" }").is_err()
        );
        let full = EMBEDDED.to_string();
        assert!(
            CategoryNames::load(&format!("{full}nope = {{ en = \"x\", zh = \"其\" }}\n")).is_err()
        );
        let bad = full.replace("zh = \"广告\"", "zh = \"ads\"");
        assert!(CategoryNames::load(&bad).is_err());
        let extra = full.replace("zh = \"广告\" }", "zh = \"广告\", fr = \"pub\" }");
        assert!(CategoryNames::load(&extra).is_err());
    }
}
