//! ITU-T G.711 companding (µ-law and A-law), bit-exact with the G.191 reference.
//!
//! Encoding uses the reference algorithm on 16-bit input (the low bits the 13/14-bit
//! codec ignores are dropped the same way: one's complement for negatives). Decoding
//! uses 256-entry tables built at compile time from the reference expansion formula.

/// A G.711 codec as negotiated in SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// µ-law, static payload type 0.
    Pcmu,
    /// A-law, static payload type 8.
    Pcma,
}

impl Codec {
    /// The static RTP payload type (RFC 3551).
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The encoding name used in `a=rtpmap`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// Looks a codec up by its rtpmap encoding name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Codec> {
        if name.eq_ignore_ascii_case("PCMU") {
            Some(Codec::Pcmu)
        } else if name.eq_ignore_ascii_case("PCMA") {
            Some(Codec::Pcma)
        } else {
            None
        }
    }

    /// Encodes `pcm` into `out`. Only `min(pcm.len(), out.len())` samples are
    /// written, so a short `out` truncates rather than panics.
    pub fn encode(self, pcm: &[i16], out: &mut [u8]) {
        let f = match self {
            Codec::Pcmu => ulaw_encode,
            Codec::Pcma => alaw_encode,
        };
        for (o, &s) in out.iter_mut().zip(pcm) {
            *o = f(s);
        }
    }

    /// Decodes `data` into `out` (up to the shorter of the two).
    pub fn decode(self, data: &[u8], out: &mut [i16]) {
        let table = match self {
            Codec::Pcmu => &ULAW_TABLE,
            Codec::Pcma => &ALAW_TABLE,
        };
        for (o, &b) in out.iter_mut().zip(data) {
            *o = table[b as usize];
        }
    }

    /// The byte that decodes to (near) silence; useful to fill gaps.
    pub fn silence(self) -> u8 {
        match self {
            Codec::Pcmu => 0xFF,
            Codec::Pcma => 0xD5,
        }
    }
}

/// Encodes one 16-bit linear sample to µ-law.
pub fn ulaw_encode(s: i16) -> u8 {
    // One's complement for negatives keeps the reference's rounding (G.191 ulaw_compress).
    let magnitude = if s < 0 { !s } else { s };
    let absno = ((i32::from(magnitude) >> 2) + 33).min(0x1FFF);
    let mut i = absno >> 6;
    let mut segno: i32 = 1;
    while i != 0 {
        segno += 1;
        i >>= 1;
    }
    let high = 8 - segno;
    let low = 0x0F - ((absno >> segno) & 0x0F);
    let mut byte = ((high << 4) | low) as u8;
    if s >= 0 {
        byte |= 0x80;
    }
    byte
}

/// Decodes one µ-law byte to a 16-bit linear sample.
pub fn ulaw_decode(b: u8) -> i16 {
    ULAW_TABLE[b as usize]
}

/// Encodes one 16-bit linear sample to A-law.
pub fn alaw_encode(s: i16) -> u8 {
    // 12-bit magnitude, one's complement for negatives (G.191 alaw_compress).
    let mut ix: i32 = if s < 0 {
        i32::from(!s) >> 4
    } else {
        i32::from(s) >> 4
    };
    if ix > 15 {
        let mut exp = 1;
        while ix > 16 + 15 {
            ix >>= 1;
            exp += 1;
        }
        ix -= 16;
        ix += exp << 4;
    }
    if s >= 0 {
        ix |= 0x80;
    }
    (ix as u8) ^ 0x55
}

/// Decodes one A-law byte to a 16-bit linear sample.
pub fn alaw_decode(b: u8) -> i16 {
    ALAW_TABLE[b as usize]
}

const fn ulaw_expand(b: u8) -> i16 {
    let m = !b;
    let exponent = ((m >> 4) & 0x07) as i32;
    let mantissa = (m & 0x0F) as i32;
    let step = 4 << (exponent + 1);
    let mag = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
    if b < 0x80 { -mag as i16 } else { mag as i16 }
}

const fn alaw_expand(b: u8) -> i16 {
    let ix = ((b ^ 0x55) & 0x7F) as i32;
    let exp = ix >> 4;
    let mut mant = ix & 0x0F;
    if exp > 0 {
        mant += 16;
    }
    mant = (mant << 4) + 8;
    if exp > 1 {
        mant <<= exp - 1;
    }
    if b > 127 { mant as i16 } else { -mant as i16 }
}

const fn build_table(alaw: bool) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if alaw {
            alaw_expand(i as u8)
        } else {
            ulaw_expand(i as u8)
        };
        i += 1;
    }
    t
}

static ULAW_TABLE: [i16; 256] = build_table(false);
static ALAW_TABLE: [i16; 256] = build_table(true);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7F);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
        // 1000 lies in µ-law segment 3 (step 32): decodes to the centre of its interval.
        assert_eq!(ulaw_decode(ulaw_encode(1000)), 988);
        assert_eq!(alaw_decode(alaw_encode(1000)), 1008);
    }

    #[test]
    fn byte_round_trip_is_identity() {
        // Decoding then re-encoding every code must give the code back (except µ-law's
        // negative zero 0x7F, which decodes to 0 and re-encodes as positive zero 0xFF).
        for b in 0..=255u8 {
            let u = ulaw_encode(ulaw_decode(b));
            if b == 0x7F {
                assert_eq!(u, 0xFF);
            } else {
                assert_eq!(u, b, "ulaw {b:#x}");
            }
            assert_eq!(alaw_encode(alaw_decode(b)), b, "alaw {b:#x}");
        }
    }

    #[test]
    fn codec_slices_and_names() {
        let pcm = [0i16, 100, -100, 20000, -20000];
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let mut enc = [0u8; 5];
            codec.encode(&pcm, &mut enc);
            let mut dec = [0i16; 5];
            codec.decode(&enc, &mut dec);
            for (a, b) in pcm.iter().zip(&dec) {
                let err = (i32::from(*a) - i32::from(*b)).abs();
                assert!(
                    err <= i32::from(a.unsigned_abs()) / 16 + 16,
                    "{codec:?} {a} {b}"
                );
            }
            assert_eq!(Codec::from_name(&codec.name().to_lowercase()), Some(codec));
            let mut one = [0i16; 1];
            codec.decode(&[codec.silence()], &mut one);
            assert!(one[0].abs() <= 8);
        }
        assert_eq!(Codec::Pcmu.payload_type(), 0);
        assert_eq!(Codec::Pcma.payload_type(), 8);
        assert_eq!(Codec::from_name("G722"), None);
        // Short output truncates instead of panicking.
        let mut short = [0u8; 2];
        Codec::Pcmu.encode(&pcm, &mut short);
        assert_eq!(short, [0xFF, ulaw_encode(100)]);
    }

    proptest! {
        #[test]
        fn decode_of_encode_is_monotonic(a in any::<i16>(), b in any::<i16>()) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(ulaw_decode(ulaw_encode(lo)) <= ulaw_decode(ulaw_encode(hi)));
            prop_assert!(alaw_decode(alaw_encode(lo)) <= alaw_decode(alaw_encode(hi)));
        }

        #[test]
        fn quantisation_error_is_bounded(s in any::<i16>()) {
            let s32 = i32::from(s);
            let eu = (s32 - i32::from(ulaw_decode(ulaw_encode(s)))).abs();
            let ea = (s32 - i32::from(alaw_decode(alaw_encode(s)))).abs();
            // Half a step of the largest segment, plus the clipping region at full scale.
            prop_assert!(eu <= 1024, "ulaw {} err {}", s, eu);
            prop_assert!(ea <= 1024, "alaw {} err {}", s, ea);
        }
    }
}
