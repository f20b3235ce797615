//! The last step of building a Stylus program: dropping what it carries
//! but never reads, the panic locations in its data and the globals the
//! linker exports as `__heap_base` and `__data_end`.
//!
//! Nitro charges every call of a program, cached or not, for each byte of
//! its data segments (0.75 gas). A program built with
//! `panic_immediate_abort` and `-Zlocation-detail=none` still links a
//! `core::panic::Location` (`"<redacted>"`, line 0, column 0) for each
//! place that could panic: the panic functions take it as an argument. Once
//! wasm-opt has turned those functions into `unreachable` and removed the
//! argument, nothing reads the locations any more, but wasm-opt cannot tell
//! (memory is addressed by numbers), so they stay, about 30 bytes a
//! program. [`trim`] finds them by their exact contents, proves that no
//! instruction, global or data word refers into them, and zeroes them,
//! which the memory already is: the segments lose those bytes.
//!
//! The proof takes each static to be referred to by its own address (or an
//! address inside it), as rustc and wasm-opt emit for wasm32: an
//! instruction's constant, a load's or store's offset, the two added, an
//! immutable global's value, or a pointer stored in data. A `Location` is
//! its own static; nothing reaches it from a neighbour's address.
//!
//! Nitro also charges every call 1.6 gas for each global. The linker
//! exports `__heap_base` and `__data_end` as globals for tools that place a
//! heap after the data; nothing in a Stylus program reads them (its
//! allocator links the symbols as addresses), so they go too.

use wasm_encoder::{ConstExpr, DataSection, Encode, Module, RawSection};
use wasmparser::{DataKind, Operator, Parser, Payload};

/// The file name of every location under `-Zlocation-detail=none`.
pub const REDACTED: &[u8] = b"<redacted>";

/// The size of a `core::panic::Location` in wasm32: the file's pointer and
/// length, the line and the column, four bytes each.
const LOCATION: u32 = 16;

/// A zero run at least this long splits a segment in two: shorter ones
/// cost fewer bytes than a segment's header.
const SPLIT_AT: usize = 8;

/// What [`trim`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trimmed {
    /// Locations dropped.
    pub locations: usize,
    /// Whether the `"<redacted>"` file name went too (it does when no
    /// location is left).
    pub file_name: bool,
    /// The data section's size before and after, in bytes.
    pub data_bytes: (usize, usize),
    /// Globals dropped: the linker's `__heap_base` and `__data_end`.
    pub globals: usize,
}

/// Why a module was not trimmed.
#[derive(Debug)]
pub enum TrimError {
    /// The module does not parse.
    Parse(wasmparser::BinaryReaderError),
    /// A data segment [`trim`] cannot reason about: passive, in another
    /// memory, at an offset that is not a constant, or overlapping another.
    Segments,
}

impl core::fmt::Display for TrimError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TrimError::Parse(err) => write!(f, "not a wasm module: {err}"),
            TrimError::Segments => {
                f.write_str("a data segment is not an active one at a constant offset")
            }
        }
    }
}

impl std::error::Error for TrimError {}

impl From<wasmparser::BinaryReaderError> for TrimError {
    fn from(err: wasmparser::BinaryReaderError) -> Self {
        TrimError::Parse(err)
    }
}

/// An active data segment of memory 0.
#[derive(Clone, Debug)]
struct Segment {
    start: u32,
    bytes: Vec<u8>,
}

impl Segment {
    fn end(&self) -> u32 {
        self.start + u32::try_from(self.bytes.len()).unwrap_or(u32::MAX)
    }
}

/// What [`trim`] reads of a module.
#[derive(Default)]
struct Program {
    /// Each section's id and payload range, in order.
    sections: Vec<(u8, core::ops::Range<usize>)>,
    segments: Vec<Segment>,
    /// Every address the code and the immutable globals name.
    references: Vec<u32>,
    data_bytes: usize,
    imported_globals: u32,
    /// Each defined global: where its entry starts, and whether it is
    /// mutable.
    globals: Vec<(usize, bool)>,
    /// The globals the code reads or writes.
    used_globals: Vec<u32>,
    exports: Vec<(String, wasmparser::ExternalKind, u32)>,
}

/// `wasm` without what it carries but never reads (see the crate's
/// documentation), and what went. A module with nothing to drop comes back
/// unchanged.
///
/// # Errors
///
/// The module does not parse, or its data is not all active segments at
/// constant offsets that do not overlap.
pub fn trim(wasm: &[u8]) -> Result<(Vec<u8>, Trimmed), TrimError> {
    let mut program = read(wasm)?;
    let mut trimmed = Trimmed {
        data_bytes: (program.data_bytes, program.data_bytes),
        ..Trimmed::default()
    };
    let data = drop_locations(&mut program, &mut trimmed);
    let linker_globals = linker_globals(&program);
    if data.is_none() && linker_globals.is_empty() {
        return Ok((wasm.to_vec(), trimmed));
    }
    trimmed.globals = linker_globals.len();
    let kept_globals = program.globals.len() - linker_globals.len();

    let mut module = Module::new();
    for (id, range) in &program.sections {
        let raw = &wasm[range.clone()];
        match (*id, &data) {
            // The data section, and the count of its segments (bulk
            // memory); neither when no segment is left.
            (11 | 12, Some(data)) if data.is_empty() => {}
            (11, Some(data)) => {
                module.section(data);
            }
            (12, Some(data)) => {
                module.section(&wasm_encoder::DataCountSection { count: data.len() });
            }
            (6, _) if !linker_globals.is_empty() => {
                // The kept globals' entries as they are, under a new count.
                let end = program
                    .globals
                    .get(kept_globals)
                    .map_or(range.end, |(start, _)| *start);
                let first = program.globals.first().map_or(end, |(start, _)| *start);
                let mut payload = Vec::new();
                kept_globals.encode(&mut payload);
                payload.extend_from_slice(&wasm[first..end]);
                module.section(&RawSection {
                    id: 6,
                    data: &payload,
                });
            }
            (7, _) if !linker_globals.is_empty() => {
                let mut exports = wasm_encoder::ExportSection::new();
                for (name, kind, index) in &program.exports {
                    if *kind == wasmparser::ExternalKind::Global && linker_globals.contains(index) {
                        continue;
                    }
                    exports.export(name, export_kind(*kind), *index);
                }
                module.section(&exports);
            }
            _ => {
                module.section(&RawSection { id: *id, data: raw });
            }
        }
    }
    let out = module.finish();
    trimmed.data_bytes.1 = data_section_len(&out)?;
    Ok((out, trimmed))
}

/// Reads what [`trim`] needs of `wasm`.
fn read(wasm: &[u8]) -> Result<Program, TrimError> {
    let mut program = Program::default();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        if let Some((id, range)) = payload.as_section() {
            program.sections.push((id, range));
        }
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader {
                    if matches!(import?.ty, wasmparser::TypeRef::Global(_)) {
                        program.imported_globals += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut previous = None;
                for op in body.get_operators_reader()? {
                    let op = op?;
                    if let Some(offset) = memory_offset(&op) {
                        // An address is a constant, an offset, or both.
                        program.references.push(offset);
                        if let Some(base) = previous {
                            program.references.push(offset.wrapping_add(base));
                        }
                    }
                    if let Operator::GlobalGet { global_index }
                    | Operator::GlobalSet { global_index } = op
                    {
                        program.used_globals.push(global_index);
                    }
                    previous = match op {
                        Operator::I32Const { value } => {
                            program.references.push(value.cast_unsigned());
                            Some(value.cast_unsigned())
                        }
                        _ => None,
                    };
                }
            }
            Payload::GlobalSection(reader) => {
                for entry in reader.into_iter_with_offsets() {
                    let (start, global) = entry?;
                    program.globals.push((start, global.ty.mutable));
                    // The one mutable global of a Rust program is the stack
                    // pointer: it starts at the stack's top, one past the
                    // stack, where the data starts, and frames lie below it.
                    if global.ty.mutable {
                        continue;
                    }
                    for op in global.init_expr.get_operators_reader() {
                        if let Operator::I32Const { value } = op? {
                            program.references.push(value.cast_unsigned());
                        }
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    program
                        .exports
                        .push((export.name.to_owned(), export.kind, export.index));
                }
            }
            Payload::DataSection(reader) => {
                program.data_bytes = reader.range().len();
                for data in reader {
                    let data = data?;
                    let DataKind::Active {
                        memory_index: 0,
                        offset_expr,
                    } = data.kind
                    else {
                        return Err(TrimError::Segments);
                    };
                    let mut ops = offset_expr.get_operators_reader();
                    let (Operator::I32Const { value }, Operator::End) = (ops.read()?, ops.read()?)
                    else {
                        return Err(TrimError::Segments);
                    };
                    program.segments.push(Segment {
                        start: value.cast_unsigned(),
                        bytes: data.data.to_vec(),
                    });
                }
            }
            _ => {}
        }
    }
    program.segments.sort_by_key(|segment| segment.start);
    if program
        .segments
        .windows(2)
        .any(|pair| pair[0].end() > pair[1].start)
    {
        return Err(TrimError::Segments);
    }
    Ok(program)
}

/// Zeroes the locations nothing refers to, and their file name once no
/// location is left; the data section that lays out what is left, or
/// `None` when nothing went.
fn drop_locations(program: &mut Program, trimmed: &mut Trimmed) -> Option<DataSection> {
    let file = find(&program.segments, REDACTED)?;
    let references = &program.references;
    let referred = |image: &Image, start: u32, len: u32| {
        let inside = |value: &u32| (start..start + len).contains(value);
        references.iter().any(inside) || data_words(image).any(|word| inside(&word))
    };
    let mut image = Image(core::mem::take(&mut program.segments));
    let locations = image.locations(file);
    let dead: Vec<u32> = locations
        .iter()
        .copied()
        .filter(|&at| !referred(&image, at, LOCATION))
        .collect();
    for &at in &dead {
        image.zero(at, LOCATION);
    }
    let len = u32::try_from(REDACTED.len()).unwrap_or(u32::MAX);
    // The file name goes only as the locations' own string: some named it,
    // none is left, nothing else refers to it, and it is not the tail or
    // the head of a longer string (a zero byte, or no data, on each side).
    let file_name = !locations.is_empty()
        && dead.len() == locations.len()
        && image.byte(file.wrapping_sub(1)) == 0
        && image.byte(file + len) == 0
        && !referred(&image, file, len);
    if file_name {
        image.zero(file, len);
    }
    program.segments = image.0;
    if dead.is_empty() && !file_name {
        return None;
    }
    trimmed.locations = dead.len();
    trimmed.file_name = file_name;
    let mut data = DataSection::new();
    for segment in &program.segments {
        for (start, bytes) in runs(segment) {
            data.active(
                0,
                &ConstExpr::i32_const(start.cast_signed()),
                bytes.iter().copied(),
            );
        }
    }
    Some(data)
}

/// The globals the linker exports as `__heap_base` and `__data_end` (for
/// tools that place a heap after the data) when nothing else uses them:
/// immutable, read by no instruction, exported under no other name, and
/// the last ones defined, so that dropping them renumbers nothing. Nitro
/// charges every call for each global a program has (1.6 gas).
fn linker_globals(program: &Program) -> Vec<u32> {
    let defined = |index: u32| {
        index
            .checked_sub(program.imported_globals)
            .and_then(|i| program.globals.get(i as usize))
    };
    let mut dropped: Vec<u32> = program
        .exports
        .iter()
        .filter(|(name, kind, index)| {
            matches!(name.as_str(), "__heap_base" | "__data_end")
                && *kind == wasmparser::ExternalKind::Global
                && defined(*index).is_some_and(|(_, mutable)| !mutable)
                && !program.used_globals.contains(index)
                && program.exports.iter().all(|(other, kind, i)| {
                    other == name || *kind != wasmparser::ExternalKind::Global || i != index
                })
        })
        .map(|(_, _, index)| *index)
        .collect();
    dropped.sort_unstable();
    dropped.dedup();
    let total = program.imported_globals + u32::try_from(program.globals.len()).unwrap_or(u32::MAX);
    let suffix = dropped
        .iter()
        .rev()
        .zip((0..total).rev())
        .take_while(|(dropped, index)| **dropped == *index)
        .count();
    if suffix == dropped.len() {
        dropped
    } else {
        Vec::new()
    }
}

fn export_kind(kind: wasmparser::ExternalKind) -> wasm_encoder::ExportKind {
    use wasm_encoder::ExportKind as To;
    use wasmparser::ExternalKind as From;
    match kind {
        From::Func => To::Func,
        From::Table => To::Table,
        From::Memory => To::Memory,
        From::Global => To::Global,
        From::Tag => To::Tag,
    }
}

/// The offset a memory instruction adds to its address operand.
fn memory_offset(op: &Operator<'_>) -> Option<u32> {
    use Operator::{
        F32Load, F32Store, F64Load, F64Store, I32Load, I32Load16S, I32Load16U, I32Load8S,
        I32Load8U, I32Store, I32Store16, I32Store8, I64Load, I64Load16S, I64Load16U, I64Load32S,
        I64Load32U, I64Load8S, I64Load8U, I64Store, I64Store16, I64Store32, I64Store8,
    };
    match op {
        I32Load { memarg }
        | I64Load { memarg }
        | F32Load { memarg }
        | F64Load { memarg }
        | I32Load8S { memarg }
        | I32Load8U { memarg }
        | I32Load16S { memarg }
        | I32Load16U { memarg }
        | I64Load8S { memarg }
        | I64Load8U { memarg }
        | I64Load16S { memarg }
        | I64Load16U { memarg }
        | I64Load32S { memarg }
        | I64Load32U { memarg }
        | I32Store { memarg }
        | I64Store { memarg }
        | F32Store { memarg }
        | F64Store { memarg }
        | I32Store8 { memarg }
        | I32Store16 { memarg }
        | I64Store8 { memarg }
        | I64Store16 { memarg }
        | I64Store32 { memarg } => Some(u32::try_from(memarg.offset).unwrap_or(u32::MAX)),
        _ => None,
    }
}

/// Every four consecutive bytes of memory that overlap a segment, as a
/// little-endian number: what a pointer stored in data would read. Read
/// through the image, zeros between segments included: memory packing cuts
/// a pointer's high zero bytes off the end of its segment.
fn data_words(image: &Image) -> impl Iterator<Item = u32> + '_ {
    image.0.iter().flat_map(move |segment| {
        (segment.start.saturating_sub(3)..segment.end()).map(move |at| image.word(at))
    })
}

/// The address of `needle`, whole within one segment.
fn find(segments: &[Segment], needle: &[u8]) -> Option<u32> {
    segments.iter().find_map(|segment| {
        let at = segment
            .bytes
            .windows(needle.len())
            .position(|window| window == needle)?;
        Some(segment.start + u32::try_from(at).ok()?)
    })
}

/// The memory as the segments lay it out (zero between them).
struct Image(Vec<Segment>);

impl Image {
    fn byte(&self, at: u32) -> u8 {
        self.0
            .iter()
            .find(|segment| (segment.start..segment.end()).contains(&at))
            .map_or(0, |segment| segment.bytes[(at - segment.start) as usize])
    }

    fn word(&self, at: u32) -> u32 {
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| self.byte(at + i));
        u32::from_le_bytes([a, b, c, d])
    }

    /// The 4-aligned addresses holding a location in `file`: its pointer,
    /// its length, line 0 and column 0.
    fn locations(&self, file: u32) -> Vec<u32> {
        let len = u32::try_from(REDACTED.len()).unwrap_or(u32::MAX);
        let mut found = Vec::new();
        for segment in &self.0 {
            // A location's trailing zeros may lie past its segment, and
            // memory packing may have cut a leading zero byte of the
            // pointer off the segment.
            let first = segment.start.saturating_sub(3) & !3;
            for at in (first..segment.end()).step_by(4) {
                let location = [file, len, 0, 0];
                if (0..4).all(|i| self.word(at + 4 * i) == location[i as usize])
                    && !found.contains(&at)
                {
                    found.push(at);
                }
            }
        }
        found
    }

    fn zero(&mut self, start: u32, len: u32) {
        for segment in &mut self.0 {
            for at in start.max(segment.start)..(start + len).min(segment.end()) {
                segment.bytes[(at - segment.start) as usize] = 0;
            }
        }
    }
}

/// A segment's bytes without its leading and trailing zeros, split at
/// zero runs of [`SPLIT_AT`] bytes or more: the segments that lay out the
/// same memory.
fn runs(segment: &Segment) -> Vec<(u32, &[u8])> {
    let bytes = &segment.bytes;
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut zeros = 0;
        while i < bytes.len() && zeros < SPLIT_AT {
            if bytes[i] == 0 {
                zeros += 1;
            } else {
                zeros = 0;
                end = i + 1;
            }
            i += 1;
        }
        runs.push((
            segment.start + u32::try_from(start).unwrap_or(u32::MAX),
            &bytes[start..end],
        ));
    }
    runs
}

/// The size of a module's data section, or 0 without one.
fn data_section_len(wasm: &[u8]) -> Result<usize, TrimError> {
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::DataSection(reader) = payload? {
            return Ok(reader.range().len());
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests;
