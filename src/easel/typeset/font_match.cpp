#include "easel/typeset/font_match.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include <fontconfig/fontconfig.h>

#include "easel/core/error.hpp"

namespace easel {
namespace {

struct WeightWord {
  const char* name;
  int fontconfig_weight;
};

constexpr std::array<WeightWord, 12> kWeightWords{{
    {"thin", FC_WEIGHT_THIN},
    {"extralight", FC_WEIGHT_EXTRALIGHT},
    {"light", FC_WEIGHT_LIGHT},
    {"regular", FC_WEIGHT_REGULAR},
    {"normal", FC_WEIGHT_REGULAR},
    {"book", FC_WEIGHT_BOOK},
    {"medium", FC_WEIGHT_MEDIUM},
    {"semibold", FC_WEIGHT_SEMIBOLD},
    {"bold", FC_WEIGHT_BOLD},
    {"extrabold", FC_WEIGHT_EXTRABOLD},
    {"black", FC_WEIGHT_BLACK},
    {"heavy", FC_WEIGHT_HEAVY},
}};

// Description words for kinds of type, mapped to fontconfig families. fontconfig's own aliases cover
// serif/sans/monospace; "handwritten" has no standard alias, so it names the script faces Debian ships.
struct GenericWord {
  const char* word;
  const char* families;  // comma-separated, most preferred first
  bool bold = false;
};

constexpr std::array<GenericWord, 16> kGenericWords{{
    {"serif", "serif"},
    {"sans", "sans-serif"},
    {"sans-serif", "sans-serif"},
    {"monospace", "monospace"},
    {"mono", "monospace"},
    {"monospaced", "monospace"},
    {"typewriter", "monospace"},
    {"code", "monospace"},
    {"handwritten", "Z003,URW Chancery L,cursive"},
    {"handwriting", "Z003,URW Chancery L,cursive"},
    {"script", "Z003,URW Chancery L,cursive"},
    {"cursive", "Z003,URW Chancery L,cursive"},
    {"calligraphic", "Z003,URW Chancery L,cursive"},
    {"display", "sans-serif", true},
    {"headline", "sans-serif", true},
    {"emoji", "Noto Color Emoji,emoji"},
}};

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// fontconfig keeps global state; one lock keeps its use (and our caches) simple and safe.
std::mutex& fontconfig_mutex() {
  static std::mutex mutex;
  return mutex;
}

FcConfig* config() {
  static FcConfig* instance = [] {
    if (!FcInit())
      throw Error(ErrorKind::capability, "fontconfig could not be initialised (is the fontconfig package installed?)");
    return FcConfigGetCurrent();
  }();
  return instance;
}

struct PatternDeleter {
  void operator()(FcPattern* pattern) const { FcPatternDestroy(pattern); }
};
using PatternPtr = std::unique_ptr<FcPattern, PatternDeleter>;

struct FontSetDeleter {
  void operator()(FcFontSet* set) const { FcFontSetDestroy(set); }
};

// A request taken apart: families to ask for, weight, slant, width, and whether a family name was given.
struct ParsedRequest {
  std::vector<std::string> families;
  std::string named_family;  // what the user called the family, when not a generic word
  int weight = FC_WEIGHT_REGULAR;
  int slant = FC_SLANT_ROMAN;
  int width = FC_WIDTH_NORMAL;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

ParsedRequest parse(const FontRequest& request) {
  ParsedRequest parsed;
  std::vector<std::string> family_words;
  std::vector<std::string> generic_families;
  bool bold_generic = false;
  for (const std::string& original : split(request.description, ' ')) {
    const std::string word = lowercase(original);
    const auto weight =
        std::find_if(kWeightWords.begin(), kWeightWords.end(), [&](const WeightWord& w) { return word == w.name; });
    const auto generic =
        std::find_if(kGenericWords.begin(), kGenericWords.end(), [&](const GenericWord& g) { return word == g.word; });
    if (weight != kWeightWords.end()) {
      parsed.weight = weight->fontconfig_weight;
    } else if (word == "italic" || word == "oblique" || word == "slanted") {
      parsed.slant = FC_SLANT_ITALIC;
    } else if (word == "condensed" || word == "narrow") {
      parsed.width = FC_WIDTH_CONDENSED;
    } else if (generic != kGenericWords.end()) {
      generic_families = split(generic->families, ',');
      bold_generic = generic->bold;
      family_words.push_back(original);  // also part of names such as "DejaVu Serif"
    } else if (word != "font" && word != "typeface" && word != "a" && word != "in") {
      family_words.push_back(original);
    }
  }
  const bool only_generic = family_words.size() == 1 && !generic_families.empty();
  if (!family_words.empty() && !only_generic) {
    std::string family;
    for (const auto& w : family_words) family += (family.empty() ? "" : " ") + w;
    parsed.named_family = family;
    parsed.families.push_back(family);
  }
  for (const auto& f : generic_families) parsed.families.push_back(f);
  if (parsed.families.empty()) parsed.families.push_back("sans-serif");
  if (bold_generic && parsed.weight == FC_WEIGHT_REGULAR) parsed.weight = FC_WEIGHT_BOLD;
  if (request.weight != "auto") {
    const auto weight = std::find_if(kWeightWords.begin(), kWeightWords.end(),
                                     [&](const WeightWord& w) { return request.weight == w.name; });
    if (weight == kWeightWords.end()) throw Error(ErrorKind::plan, "unknown font weight '" + request.weight + "'");
    parsed.weight = weight->fontconfig_weight;
  }
  if (request.italic) parsed.slant = FC_SLANT_ITALIC;
  return parsed;
}

PatternPtr pattern_for(const ParsedRequest& parsed) {
  PatternPtr pattern(FcPatternCreate());
  for (const auto& family : parsed.families) {
    FcPatternAddString(pattern.get(), FC_FAMILY, reinterpret_cast<const FcChar8*>(family.c_str()));
  }
  FcPatternAddInteger(pattern.get(), FC_WEIGHT, parsed.weight);
  FcPatternAddInteger(pattern.get(), FC_SLANT, parsed.slant);
  FcPatternAddInteger(pattern.get(), FC_WIDTH, parsed.width);
  FcPatternAddBool(pattern.get(), FC_SCALABLE, FcTrue);
  FcConfigSubstitute(config(), pattern.get(), FcMatchPattern);
  FcDefaultSubstitute(pattern.get());
  return pattern;
}

std::string string_of(FcPattern* pattern, const char* property) {
  FcChar8* value = nullptr;
  if (FcPatternGetString(pattern, property, 0, &value) != FcResultMatch) return {};
  return reinterpret_cast<const char*>(value);
}

FontFace face_of(FcPattern* pattern) {
  FontFace face;
  face.path = string_of(pattern, FC_FILE);
  FcPatternGetInteger(pattern, FC_INDEX, 0, &face.index);
  face.family = string_of(pattern, FC_FAMILY);
  face.style = string_of(pattern, FC_STYLE);
  return face;
}

bool family_matches(FcPattern* font, const std::string& wanted) {
  FcChar8* family = nullptr;
  for (int i = 0; FcPatternGetString(font, FC_FAMILY, i, &family) == FcResultMatch; ++i) {
    if (lowercase(reinterpret_cast<const char*>(family)) == lowercase(wanted)) return true;
  }
  return false;
}

// fontconfig's preference-ordered list of fonts for a request, kept for fallback lookups.
struct SortedFonts {
  std::unique_ptr<FcFontSet, FontSetDeleter> fonts;
  PatternPtr pattern;
};

std::string cache_key(const FontRequest& request) {
  return request.description + "\n" + request.weight + "\n" + (request.italic ? "i" : "r");
}

}  // namespace

bool names_weight(const std::string& description) {
  for (const std::string& original : split(description, ' ')) {
    const std::string word = lowercase(original);
    if (std::any_of(kWeightWords.begin(), kWeightWords.end(), [&](const WeightWord& w) { return word == w.name; }))
      return true;
    if (std::any_of(kGenericWords.begin(), kGenericWords.end(),
                    [&](const GenericWord& g) { return g.bold && word == g.word; }))
      return true;
  }
  return false;
}

const std::vector<std::string>& font_weight_names() {
  static const std::vector<std::string> names{"auto",   "thin",     "light", "regular",
                                              "medium", "semibold", "bold",  "black"};
  return names;
}

FontChoice match_font(const FontRequest& request) {
  const std::lock_guard lock(fontconfig_mutex());
  const ParsedRequest parsed = parse(request);
  PatternPtr pattern = pattern_for(parsed);
  FcResult result = FcResultNoMatch;
  PatternPtr font(FcFontMatch(config(), pattern.get(), &result));
  if (!font)
    throw Error(ErrorKind::capability, "no font is installed that fontconfig can match (install fonts-dejavu-core)");
  FontChoice choice{face_of(font.get()), {}};
  if (!parsed.named_family.empty() && !family_matches(font.get(), parsed.named_family)) {
    choice.substitution =
        "font '" + parsed.named_family + "' is not installed; used " + choice.face.family + " " + choice.face.style;
  }
  return choice;
}

std::optional<FontFace> fallback_font(const FontRequest& request, char32_t codepoint) {
  const std::lock_guard lock(fontconfig_mutex());
  static std::map<std::string, SortedFonts> sorted_by_request;
  auto found = sorted_by_request.find(cache_key(request));
  if (found == sorted_by_request.end()) {
    SortedFonts sorted;
    sorted.pattern = pattern_for(parse(request));
    FcResult result = FcResultNoMatch;
    sorted.fonts.reset(FcFontSort(config(), sorted.pattern.get(), FcFalse, nullptr, &result));
    found = sorted_by_request.emplace(cache_key(request), std::move(sorted)).first;
  }
  FcFontSet* fonts = found->second.fonts.get();
  if (!fonts) return std::nullopt;
  for (int i = 0; i < fonts->nfont; ++i) {
    FcCharSet* charset = nullptr;
    if (FcPatternGetCharSet(fonts->fonts[i], FC_CHARSET, 0, &charset) != FcResultMatch) continue;
    if (!FcCharSetHasChar(charset, static_cast<FcChar32>(codepoint))) continue;
    PatternPtr rendered(FcFontRenderPrepare(config(), found->second.pattern.get(), fonts->fonts[i]));
    return face_of(rendered ? rendered.get() : fonts->fonts[i]);
  }
  return std::nullopt;
}

}  // namespace easel
