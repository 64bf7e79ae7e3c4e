//! Caller location by number (号码归属地): a prefix table (fixed-line area codes, mobile
//! seven-digit prefixes) and the longest-prefix look-up.
//!
//! The table is `assets/data/number_regions.tsv`, replaced by `<data_dir>/number_regions.tsv`
//! when that file exists (a full licensed table has ~400k rows; the shipped one is a sample).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hotline_protocol::Location;

/// The file name looked for in the data directory, then in `assets/data`.
pub const FILE_NAME: &str = "number_regions.tsv";

/// Why a table did not load.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{source_name}:{line}: {message}")]
    Line {
        source_name: String,
        line: usize,
        message: String,
    },
}

/// Prefix → location. Cheap to share behind an `Arc`; look-ups never allocate beyond the
/// normalised number.
#[derive(Debug, Default, Clone)]
pub struct RegionTable {
    by_prefix: HashMap<String, Location>,
    longest: usize,
}

impl RegionTable {
    /// Parses `prefix<TAB>province<TAB>city` lines; `#` comments and blank lines are skipped.
    /// `source_name` only names the text in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, RegionError> {
        let mut table = Self::default();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |message: &str| RegionError::Line {
                source_name: source_name.to_owned(),
                line: index + 1,
                message: message.to_owned(),
            };
            let mut fields = line.split('\t').map(str::trim);
            let (Some(prefix), Some(province), city) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(bad("expected prefix<TAB>province<TAB>city"));
            };
            if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("the prefix must be digits"));
            }
            if province.is_empty() {
                return Err(bad("the province is empty"));
            }
            let location = Location {
                province: province.to_owned(),
                city: city.unwrap_or("").to_owned(),
            };
            table.longest = table.longest.max(prefix.len());
            table.by_prefix.insert(prefix.to_owned(), location);
        }
        Ok(table)
    }

    /// Reads the table at `path`.
    pub fn load(path: &Path) -> Result<Self, RegionError> {
        let text = std::fs::read_to_string(path).map_err(|source| RegionError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The data directory's table if there is one, else the shipped one in `assets/data`.
    pub fn load_preferred(data_dir: &Path, assets: &Path) -> Result<Self, RegionError> {
        let own = data_dir.join(FILE_NAME);
        if own.is_file() {
            return Self::load(&own);
        }
        Self::load(&assets.join("data").join(FILE_NAME))
    }

    pub fn len(&self) -> usize {
        self.by_prefix.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }

    /// Where `number` belongs: the longest prefix of its normalised form in the table.
    pub fn locate(&self, number: &str) -> Option<&Location> {
        let national = normalise(number)?;
        let max = self.longest.min(national.len());
        (1..=max)
            .rev()
            .find_map(|len| self.by_prefix.get(&national[..len]))
    }
}

/// The national form used for look-ups: digits only, without the country code (`+86`, `0086`,
/// `86` before a mobile), fixed lines with their trunk `0` (`+86 25 …` → `025…`), and a mobile
/// with a stray trunk `0` (`013912345678`) without it. `None` for foreign numbers and for text
/// without digits.
pub fn normalise(number: &str) -> Option<String> {
    let plus = number.trim_start().starts_with('+');
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let after_country = if plus {
        Some(digits.strip_prefix("86")?)
    } else if let Some(rest) = digits.strip_prefix("0086") {
        Some(rest)
    } else if digits.starts_with("00") {
        // Another country's international prefix.
        return None;
    } else if digits.len() == 13 && digits.starts_with("861") {
        Some(&digits[2..])
    } else {
        None
    };
    if let Some(rest) = after_country {
        let rest = rest.trim_start_matches('0');
        if rest.is_empty() {
            return None;
        }
        return Some(if rest.starts_with('1') && rest.len() == 11 {
            rest.to_owned()
        } else {
            format!("0{rest}")
        });
    }
    let bytes = digits.as_bytes();
    if digits.len() == 12
        && bytes[0] == b'0'
        && bytes[1] == b'1'
        && (b'3'..=b'9').contains(&bytes[2])
    {
        return Some(digits[1..].to_owned());
    }
    Some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# comment\n\n010\t北京\t北京\n025\t江苏\t南京\n0251\t测试\t更长\n\
                          0571\t浙江\t杭州\n1391234\t江苏\t南京\n1380013\t广东\t广州\n";

    fn at(table: &RegionTable, number: &str) -> Option<String> {
        table.locate(number).map(Location::display)
    }

    #[test]
    fn numbers_are_normalised() {
        assert_eq!(
            normalise("+86 138-0013-8000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(normalise("008613800138000").as_deref(), Some("13800138000"));
        assert_eq!(normalise("8613800138000").as_deref(), Some("13800138000"));
        assert_eq!(
            normalise("+86 25 8400 1234").as_deref(),
            Some("02584001234")
        );
        assert_eq!(
            normalise("0086 010 6512 3456").as_deref(),
            Some("01065123456")
        );
        assert_eq!(normalise("(010) 6512-3456").as_deref(), Some("01065123456"));
        assert_eq!(normalise("013912345678").as_deref(), Some("13912345678"));
        assert_eq!(normalise("+1 212 555 0100"), None);
        assert_eq!(normalise("001 212 555 0100"), None);
        assert_eq!(normalise("anonymous"), None);
    }

    #[test]
    fn the_longest_prefix_wins() {
        let table = RegionTable::parse(SAMPLE, "sample").unwrap();
        assert_eq!(table.len(), 6);
        assert_eq!(at(&table, "01065123456").as_deref(), Some("北京"));
        assert_eq!(at(&table, "02584001234").as_deref(), Some("江苏 南京"));
        assert_eq!(at(&table, "02514001234").as_deref(), Some("测试 更长"));
        assert_eq!(
            at(&table, "+86 571 8888 6666").as_deref(),
            Some("浙江 杭州")
        );
        assert_eq!(at(&table, "13912345678").as_deref(), Some("江苏 南京"));
        assert_eq!(at(&table, "0086 13800138000").as_deref(), Some("广东 广州"));
        assert_eq!(at(&table, "013912345678").as_deref(), Some("江苏 南京"));
        // Unknown prefix, local number without area code, foreign number.
        assert_eq!(at(&table, "13700000000"), None);
        assert_eq!(at(&table, "65123456"), None);
        assert_eq!(at(&table, "+44 20 7946 0000"), None);
    }

    #[test]
    fn bad_lines_are_named() {
        let err = RegionTable::parse("010\t北京\t北京\nabc\tx\ty\n", "t.tsv").unwrap_err();
        assert_eq!(err.to_string(), "t.tsv:2: the prefix must be digits");
        let err = RegionTable::parse("010\n", "t.tsv").unwrap_err();
        assert!(err.to_string().starts_with("t.tsv:1:"), "{err}");
    }

    #[test]
    fn the_shipped_table_covers_every_provincial_capital() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../assets/data")
            .join(FILE_NAME);
        let table = RegionTable::load(&path).unwrap();
        let capitals = [
            ("01012345678", "北京"),
            ("02112345678", "上海"),
            ("02212345678", "天津"),
            ("02312345678", "重庆"),
            ("03111234567", "石家庄"),
            ("03511234567", "太原"),
            ("04711234567", "呼和浩特"),
            ("02412345678", "沈阳"),
            ("04311234567", "长春"),
            ("04511234567", "哈尔滨"),
            ("02512345678", "南京"),
            ("05711234567", "杭州"),
            ("05511234567", "合肥"),
            ("05911234567", "福州"),
            ("07911234567", "南昌"),
            ("05311234567", "济南"),
            ("03711234567", "郑州"),
            ("02712345678", "武汉"),
            ("07311234567", "长沙"),
            ("02012345678", "广州"),
            ("07711234567", "南宁"),
            ("08981234567", "海口"),
            ("02812345678", "成都"),
            ("08511234567", "贵阳"),
            ("08711234567", "昆明"),
            ("08911234567", "拉萨"),
            ("02912345678", "西安"),
            ("09311234567", "兰州"),
            ("09711234567", "西宁"),
            ("09511234567", "银川"),
            ("09911234567", "乌鲁木齐"),
        ];
        for (number, city) in capitals {
            let found = table.locate(number).map(|l| l.city.as_str());
            assert_eq!(found, Some(city), "{number}");
        }
        assert!(table.locate("13912345678").is_some());
    }
}
