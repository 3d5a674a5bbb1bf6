//! System fonts for the plots, found at run time (never bundled) and registered with plotters'
//! ab_glyph text backend under their CSS family names, which the SVG backend writes out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use plotters::style::FontStyle;

use super::PlotError;

/// Known Debian locations of the Latin font (fonts-dejavu-core).
const LATIN_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];
const LATIN_BOLD_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
];
/// Known Debian locations of CJK fonts (fonts-wqy-microhei, fonts-noto-cjk).
const CJK_PATHS: [&str; 4] = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
];
const CJK_FAMILIES: [&str; 3] = [
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
];

/// Message naming the Debian package to install when no Latin font is found.
pub const MISSING_LATIN: &str =
    "no usable font found for the plots: install the Debian package fonts-dejavu-core (apt-get install fonts-dejavu-core) or pass --font PATH";
/// Message naming the Debian packages to install when no CJK font is found.
pub const MISSING_CJK: &str =
    "lang=zh needs a font with Chinese glyphs: install the Debian package fonts-wqy-microhei or fonts-noto-cjk (apt-get install fonts-wqy-microhei) or pass --font PATH";

/// The font families registered for the plots.
#[derive(Debug, Clone)]
pub struct Fonts {
    /// Family (as registered and written into SVG) for Latin text.
    pub latin: String,
    /// Family for Chinese text; `None` when no CJK font was found.
    pub cjk: Option<String>,
    /// The files the families were read from, for `check`-style reports.
    pub files: Vec<PathBuf>,
}

/// Registered files: path -> family name, so each file is read (and leaked) once per process.
static REGISTERED: Mutex<Option<HashMap<(PathBuf, bool), String>>> = Mutex::new(None);

impl Fonts {
    /// Finds and registers the fonts. `override_path` (the `--font` option) is used for all text.
    /// Without it, DejaVu Sans is looked for at its Debian path, then through `fc-match`; a CJK
    /// font (WenQuanYi Micro Hei or Noto Sans CJK) likewise, for `lang=zh`.
    pub fn load(override_path: Option<&Path>) -> Result<Fonts, PlotError> {
        if let Some(path) = override_path {
            let family = register(path, FontStyle::Normal, None)?;
            return Ok(Fonts {
                latin: family.clone(),
                cjk: Some(family),
                files: vec![path.to_path_buf()],
            });
        }
        let mut files = Vec::new();
        let latin_path = LATIN_PATHS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .or_else(|| fc_match("DejaVu Sans", Some("DejaVu")))
            .ok_or_else(|| PlotError::Font(MISSING_LATIN.to_string()))?;
        let latin = register(&latin_path, FontStyle::Normal, None)?;
        files.push(latin_path);
        let bold = LATIN_BOLD_PATHS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .or_else(|| fc_match("DejaVu Sans:bold", Some("Bold")));
        if let Some(bold) = bold {
            // A missing or broken bold face is not fatal: plotters falls back to the regular one.
            if register(&bold, FontStyle::Bold, Some(&latin)).is_ok() {
                files.push(bold);
            }
        }
        let cjk_path = CJK_PATHS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .or_else(|| CJK_FAMILIES.iter().find_map(|f| fc_match(f, Some(f))));
        let cjk = match cjk_path {
            Some(p) => {
                let family = register(&p, FontStyle::Normal, None)?;
                files.push(p);
                Some(family)
            }
            None => None,
        };
        Ok(Fonts { latin, cjk, files })
    }

    /// The family to draw text of `lang` with.
    pub fn family(&self, zh: bool) -> Result<&str, PlotError> {
        if zh {
            self.cjk
                .as_deref()
                .ok_or_else(|| PlotError::Font(MISSING_CJK.to_string()))
        } else {
            Ok(&self.latin)
        }
    }
}

/// `fc-match -f '%{file}' PATTERN`, accepted only when the matched family contains `want`
/// (fc-match always answers with something, often an unrelated fallback).
fn fc_match(pattern: &str, want: Option<&str>) -> Option<PathBuf> {
    let out = Command::new("fc-match")
        .arg("-f")
        .arg("%{file}\n%{family}\n%{style}")
        .arg(pattern)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let file = lines.next()?.trim().to_string();
    let rest: String = lines.collect::<Vec<_>>().join(" ");
    if let Some(w) = want {
        if !rest.to_lowercase().contains(&w.to_lowercase()) {
            return None;
        }
    }
    let p = PathBuf::from(file);
    p.is_file().then_some(p)
}

/// Reads a font file, registers it with plotters and returns its family name as written in SVG:
/// the font's own family name followed by the generic `sans-serif` fallback.
fn register(path: &Path, style: FontStyle, family: Option<&str>) -> Result<String, PlotError> {
    let bold = matches!(style, FontStyle::Bold);
    let key = (path.to_path_buf(), bold);
    let mut guard = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(f) = map.get(&key) {
        return Ok(f.clone());
    }
    let bytes = std::fs::read(path)
        .map_err(|e| PlotError::Font(format!("cannot read font file {}: {e}", path.display())))?;
    let name = match family {
        Some(f) => f.to_string(),
        None => {
            let own = family_name(&bytes).unwrap_or_else(|| {
                path.file_stem()
                    .map_or("font".into(), |s| s.to_string_lossy().into_owned())
            });
            format!("{own}, sans-serif")
        }
    };
    // plotters keeps fonts for the life of the process; each file is leaked once.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font(&name, style, bytes).map_err(|_| {
        PlotError::Font(format!(
            "{} is not a usable TrueType/OpenType font",
            path.display()
        ))
    })?;
    map.insert(key, name.clone());
    Ok(name)
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// The family name (name id 1) of the first font in a TrueType/OpenType file or collection.
pub fn family_name(b: &[u8]) -> Option<String> {
    let mut base = 0usize;
    if b.get(0..4)? == b"ttcf" {
        base = be32(b, 12)? as usize;
    }
    let tables = be16(b, base + 4)? as usize;
    let mut name_off = None;
    for i in 0..tables {
        let rec = base + 12 + i * 16;
        if b.get(rec..rec + 4)? == b"name" {
            name_off = Some(be32(b, rec + 8)? as usize);
            break;
        }
    }
    let t = name_off?;
    let count = be16(b, t + 2)? as usize;
    let strings = t + be16(b, t + 4)? as usize;
    let mut mac = None;
    for i in 0..count {
        let r = t + 6 + i * 12;
        let (platform, encoding, language, id) = (
            be16(b, r)?,
            be16(b, r + 2)?,
            be16(b, r + 4)?,
            be16(b, r + 6)?,
        );
        let (len, off) = (be16(b, r + 8)? as usize, be16(b, r + 10)? as usize);
        if id != 1 {
            continue;
        }
        let raw = b.get(strings + off..strings + off + len)?;
        if platform == 3 && (encoding == 1 || encoding == 10) && language == 0x0409 {
            let units: Vec<u16> = raw
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            return String::from_utf16(&units).ok();
        }
        if platform == 1 && encoding == 0 && mac.is_none() {
            mac = Some(raw.iter().map(|&c| c as char).collect::<String>());
        }
    }
    mac
}
