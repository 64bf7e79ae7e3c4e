//! Merging the admin's file over the built-in defaults, on the parsed documents so that every
//! value keeps the span of the file it came from (errors can then point at the right line).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// `over` wins. Tables merge key by key; anything else, arrays of tables included, is replaced.
pub(super) fn merge<'a>(
    base: Spanned<DeTable<'a>>,
    over: Spanned<DeTable<'a>>,
) -> Spanned<DeTable<'a>> {
    let span = over.span();
    Spanned::new(span, merge_tables(base.into_inner(), over.into_inner()))
}

fn merge_tables<'a>(mut base: DeTable<'a>, over: DeTable<'a>) -> DeTable<'a> {
    for (key, value) in over {
        // Remove first: inserting over an equal key would keep the old key and its span.
        let merged = match (base.remove(key.get_ref().as_ref()), value) {
            (Some(old), new) if is_table(&old) && is_table(&new) => {
                let span = new.span();
                match (old.into_inner(), new.into_inner()) {
                    (DeValue::Table(old), DeValue::Table(new)) => {
                        Spanned::new(span, DeValue::Table(merge_tables(old, new)))
                    }
                    (_, new) => Spanned::new(span, new),
                }
            }
            (_, new) => new,
        };
        base.insert(key, merged);
    }
    base
}

fn is_table(value: &Spanned<DeValue<'_>>) -> bool {
    matches!(value.get_ref(), DeValue::Table(_))
}
