//! A stream of decisions read from bytes. Running out of bytes reads zeros, and a zero is
//! always the smallest choice (the first option, "no" to every optional part), so a shrinking
//! proptest vector or a short fuzz input makes a small spec.

/// Decisions read from bytes.
#[derive(Debug, Clone)]
pub struct Choices {
    bytes: Vec<u8>,
    at: usize,
}

impl Choices {
    /// Decisions read from `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        Choices {
            bytes: bytes.to_vec(),
            at: 0,
        }
    }

    /// `len` pseudo-random bytes from `seed` (xorshift64*): fixed-seed tests.
    pub fn seeded(seed: u64, len: usize) -> Self {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let bytes = (0..len)
            .map(|_| {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
            })
            .collect();
        Choices { bytes, at: 0 }
    }

    fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        match n {
            0 | 1 => 0,
            2..=256 => usize::from(self.byte()) % n,
            257..=65_536 => (usize::from(self.byte()) << 8 | usize::from(self.byte())) % n,
            _ => {
                let raw = (0..4).fold(0usize, |acc, _| acc << 8 | usize::from(self.byte()));
                raw % n
            }
        }
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// Yes with about `percent` % probability on random bytes; no on a zero byte.
    pub fn chance(&mut self, percent: u32) -> bool {
        let byte = u32::from(self.byte());
        byte != 0 && byte * 100 >= (100 - percent.min(100)) * 256
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A subset of `items`, in their order.
    pub fn subset<T: Clone>(&mut self, items: &[T], percent: u32) -> Vec<T> {
        items
            .iter()
            .filter(|_| self.chance(percent))
            .cloned()
            .collect()
    }

    /// `items` in an order decided by the stream (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
