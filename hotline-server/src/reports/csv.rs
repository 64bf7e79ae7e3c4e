//! CSV output (RFC 4180) for report downloads.

/// A CSV document being written.
#[derive(Debug, Default)]
pub struct Csv {
    text: String,
}

impl Csv {
    /// Starts with a UTF-8 byte-order mark: spreadsheet programs on Chinese Windows read
    /// UTF-8 without one as GBK and garble the text.
    pub fn new() -> Csv {
        Csv {
            text: "\u{feff}".to_owned(),
        }
    }

    /// Appends one record; fields with commas, quotes or line breaks are quoted.
    pub fn row<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, f) in fields.into_iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            let f = f.as_ref();
            if f.contains([',', '"', '\n', '\r']) {
                self.text.push('"');
                self.text.push_str(&f.replace('"', "\"\""));
                self.text.push('"');
            } else {
                self.text.push_str(f);
            }
        }
        self.text.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_only_when_needed() {
        let mut c = super::Csv::new();
        c.row(["a", "b,c", "say \"hi\""]);
        c.row(["上城区"]);
        assert_eq!(
            c.finish(),
            "\u{feff}a,\"b,c\",\"say \"\"hi\"\"\"\r\n上城区\r\n"
        );
    }
}
