#include "easel/plan/vocabulary.hpp"

#include <algorithm>
#include <array>
#include <regex>
#include <set>

#include "easel/ops/color.hpp"

namespace easel {
namespace {

// Verbs (and preserve words) that open an action.
constexpr const char* kActionWords[] = {
    "add",      "adjust",     "apply",     "blur",       "boost",     "brighten",  "bump",    "change",    "clean",
    "color",    "colour",     "convert",   "cool",       "create",    "crop",      "cut",     "darken",    "decrease",
    "delete",   "desaturate", "dial",      "don't",      "dont",      "do",        "double",  "draw",      "enhance",
    "enlarge",  "erase",      "expand",    "extend",     "fix",       "generate",  "get",     "give",      "halve",
    "increase", "insert",     "keep",      "leave",      "lighten",   "lower",     "make",    "match",     "never",
    "outpaint", "pad",        "paint",     "place",      "preserve",  "push",      "put",     "raise",     "recolor",
    "recolour", "reduce",     "remove",    "render",     "replace",   "rescale",   "resize",  "saturate",  "scale",
    "set",      "sharpen",    "shift",     "shrink",     "soften",    "stylize",   "stylise", "swap",      "switch",
    "tint",     "tone",       "trim",      "turn",       "upscale",   "use",       "warm",    "write",     "widen",
    "rotate",   "flip",       "mirror",    "straighten", "animate",   "undo",      "export",  "save",      "send",
    "email",    "print",      "upload",    "post",       "crank",     "sharpen",   "drop",    "take",      "isolate",
    "reframe",  "redraw",     "reimagine", "denoise",    "retouch",   "smooth",    "whiten",  "transform", "restyle",
    "show",     "label",      "caption",   "title",      "watermark", "stamp",     "overlay", "type",      "prepare",
    "format",   "downscale",  "downsize",  "upsample",   "colorize",  "colourize", "rename",  "correct",   "bring"};

// Keywords the clause rules look for, beyond the action words: spelling correction aims at these.
constexpr const char* kKeywords[] = {
    "background",   "backdrop",   "foreground",  "subject",    "product",     "person",     "people",
    "contrast",     "saturation", "saturated",   "brightness", "brighter",    "darker",     "lighter",
    "warmer",       "cooler",     "warmth",      "exposure",   "vibrant",     "vibrance",   "colorful",
    "colourful",    "grayscale",  "greyscale",   "monochrome", "black",       "white",      "sepia",
    "gamma",        "sharper",    "sharpness",   "crisper",    "hue",         "canvas",     "square",
    "portrait",     "landscape",  "widescreen",  "panorama",   "instagram",   "story",      "stories",
    "facebook",     "twitter",    "youtube",     "thumbnail",  "banner",      "website",    "linkedin",
    "pinterest",    "wallpaper",  "desktop",     "print",      "poster",      "resolution", "pixels",
    "width",        "height",     "wide",        "tall",       "transparent", "gradient",   "watercolor",
    "watercolour",  "sketch",     "pencil",      "cartoon",    "comic",       "anime",      "painting",
    "vintage",      "retro",      "charcoal",    "mosaic",     "style",       "filter",     "effect",
    "reference",    "colors",     "colours",     "text",       "font",        "bold",       "italic",
    "serif",        "sans",       "handwritten", "monospace",  "outline",     "shadow",     "left",
    "right",        "top",        "bottom",      "center",     "centre",      "middle",     "corner",
    "third",        "half",       "upper",       "lower",      "slightly",    "little",     "significantly",
    "dramatically", "strongly",   "subtly",      "somewhat",   "stop",        "stops",      "image",
    "picture",      "photo",      "photograph",  "areas",      "object",      "logo",       "caption",
    "headline",     "heading",    "unchanged",   "untouched",  "alone",       "bigger",     "larger",
    "smaller",      "twice",      "size",        "sized",      "desaturated", "vivid",      "muted",
    "punchier",     "dimmer",     "dim",         "deeper",     "richer",      "cinematic",  "sunset",
    "winter",       "night",      "saturate",    "gradient",   "studio",      "scene",      "bokeh",
    "isolate",      "super",      "hires",       "upscaled",   "percent",     "degrees",    "quality",
    "colour",       "color",      "colors",      "shirt",      "sky",         "skin",       "ratio",
    "aspect",       "feed",       "reel"};

// Ordinary words near a keyword that must not be "corrected" into it (bottle → bottom, lower → tower…).
constexpr const char* kOrdinaryWords[] = {
    "bottle",    "bottles",    "model",      "models",     "mode",       "light",       "night",      "right",
    "bright",    "write",      "white",      "while",      "plant",      "plants",      "pant",       "pants",
    "cake",      "lake",       "table",      "label",      "cable",      "shoes",       "shoe",       "hair",
    "chair",     "tree",       "trees",      "dress",      "glass",      "grass",       "class",      "price",
    "pride",     "prize",      "sale",       "scale",      "logo",       "lower",       "tower",      "power",
    "flower",    "flowers",    "cover",      "covers",     "layer",      "player",      "water",      "later",
    "latter",    "letter",     "letters",    "better",     "butter",     "title",       "little",     "middle",
    "riddle",    "coffee",     "toffee",     "house",      "mouse",      "horse",       "phone",      "stone",
    "tone",      "tones",      "bone",       "lines",      "line",       "lime",        "time",       "times",
    "wine",      "mine",       "shine",      "shiny",      "sunny",      "funny",       "dark",       "park",
    "bark",      "mark",       "marks",      "tag",        "tags",       "bag",         "bags",       "cap",
    "caps",      "map",        "maps",       "man",        "woman",      "men",         "women",      "face",
    "faces",     "lace",       "place",      "space",      "race",       "lens",        "dog",        "dogs",
    "cat",       "cats",       "car",        "cars",       "bar",        "bars",        "star",       "stars",
    "spot",      "spots",      "shop",       "stop",       "store",      "more",        "most",       "less",
    "least",     "much",       "such",       "touch",      "bit",        "bits",        "lot",        "lots",
    "way",       "ways",       "keep",       "kept",       "deep",       "sleep",       "step",       "steps",
    "sort",      "short",      "shirt",      "skirt",      "shot",       "shots",       "shoot",      "text",
    "next",      "test",       "best",       "rest",       "west",       "east",        "feast",      "sign",
    "signs",     "design",     "designs",    "size",       "side",       "sides",       "slide",      "slides",
    "wide",      "wild",       "wind",       "window",     "windows",    "door",        "doors",      "floor",
    "wall",      "walls",      "ball",       "tall",       "small",      "smaller",     "call",       "fall",
    "hall",      "room",       "rooms",      "roof",       "wood",       "food",        "good",       "mood",
    "hood",      "road",       "board",      "boards",     "card",       "cards",       "hand",       "hands",
    "band",      "brand",      "brands",     "stand",      "sand",       "land",        "cup",        "cups",
    "mug",       "mugs",       "jar",        "jars",       "box",        "boxes",       "can",        "cans",
    "pack",      "packs",      "back",       "black",      "block",      "clock",       "sock",       "socks",
    "rock",      "rocks",      "baby",       "body",       "boy",        "girl",        "kid",        "kids",
    "eye",       "eyes",       "nose",       "lip",        "lips",       "teeth",       "tooth",      "smile",
    "ear",       "ears",       "arm",        "arms",       "leg",        "legs",        "foot",       "feet",
    "head",      "heads",      "neck",       "back",       "sun",        "moon",        "cloud",      "clouds",
    "sea",       "ocean",      "beach",      "river",      "mountain",   "mountains",   "hill",       "hills",
    "field",     "fields",     "forest",     "city",       "street",     "building",    "buildings",  "bridge",
    "boat",      "boats",      "ship",       "plane",      "bike",       "bus",         "train",      "truck",
    "menu",      "poster",     "flyer",      "sticker",    "badge",      "frame",       "border",     "edge",
    "edges",     "hat",        "hats",       "glasses",    "sunglasses", "jacket",      "coat",       "watch",
    "ring",      "necklace",   "bowl",       "plate",      "fork",       "knife",       "spoon",      "bread",
    "fruit",     "apple",      "apples",     "orange",     "lemon",      "banana",      "flowers",    "vase",
    "lamp",      "sofa",       "couch",      "bed",        "desk",       "laptop",      "screen",     "camera",
    "person",    "persons",    "photos",     "these",      "those",      "there",       "where",      "here",
    "their",     "them",       "then",       "than",       "that",       "this",        "with",       "without",
    "within",    "into",       "onto",       "from",       "over",       "under",       "above",      "below",
    "behind",    "front",      "about",      "after",      "before",     "again",       "also",       "just",
    "only",      "very",       "really",     "quite",      "rather",     "bigger",      "pretty",     "look",
    "looks",     "like",       "feel",       "feels",      "seem",       "please",      "thanks",     "thank",
    "same",      "some",       "whole",      "entire",     "other",      "another",     "every",      "each",
    "both",      "it's",       "its",        "what",       "when",       "want",        "need",       "should",
    "would",     "could",      "must",       "will",       "have",       "has",         "make",       "made",
    "makes",     "take",       "taken",      "look",       "pop",        "pops",        "popping",    "sale",
    "sales",     "offer",      "deal",       "new",        "old",        "now",         "our",        "your",
    "yours",     "mine",       "ours",       "shadows",    "highlights", "midtones",    "tint",       "teal",
    "navy",      "gold",       "golden",     "silver",     "grey",       "gray",        "green",      "blue",
    "red",       "pink",       "purple",     "yellow",     "brown",      "beige",       "cream",      "ivory",
    "coral",     "mint",       "tan",        "warm",       "cool",       "cold",        "hot",        "soft",
    "hard",      "natural",    "clean",      "clear",      "sharp",      "blurry",      "blurred",    "blur",
    "matte",     "glossy",     "fade",       "faded",      "color",      "colour",      "slight",     "lighting",
    "lights",    "lighter",    "fit",        "fill",       "filled",     "film",        "films",      "says",
    "say",       "saying",     "said",       "reads",      "removal",    "removed",     "cropped",    "resized",
    "sized",     "stays",      "stay",       "states",     "story",      "stormy",      "storm",      "cheek",
    "cheeks",    "wires",      "wire",       "crumbs",     "stranger",   "blemish",     "blemishes",  "sneaker",
    "sneakers",  "amazon",     "marble",     "countertop", "kitchen",    "studio",      "beach",      "sunny",
    "clean",     "modern",     "bowl",       "ramen",      "poster",     "fox",         "perfume",    "cabin",
    "cozy",      "bicycle",    "brick",      "leaning",    "dusk",       "photobomber", "tagline",    "slogan",
    "price",     "prices",     "arrivals",   "collection", "shipping",   "opening",     "welcome",    "provence",
    "title",     "titles",     "tile",       "tiles",      "over",       "oven",        "fresh",      "birthday",
    "small",     "large",      "huge",       "tiny",       "cursive",    "script",      "serif",      "italic",
    "outline",   "outlined",   "badge",      "banner",     "label",      "labels",      "same",       "font",
    "fonts",     "page",       "pages",      "cover",      "copy",       "code",        "made",       "italy",
    "spring",    "summer",     "autumn",     "fall",       "winter",     "sunset",      "sunrise",    "night",
    "day",       "days",       "snow",       "snowy",      "snowing",    "rain",        "rainy",      "foggy",
    "misty",     "storm",      "underwater", "cyberpunk",  "futuristic", "smile",       "smiling",    "happy",
    "variation", "variations", "reference",  "match",      "matching",   "grade",       "grading",    "look",
    "looking",   "vintage",    "retro",      "sepia",      "sketch",     "cartoon",     "anime",      "comic",
    "pencil",    "charcoal",   "drawing",    "painting",   "paint",      "oil",         "watercolor", "watercolour",
    "pixel",     "pop",        "art",        "vignette",   "duotone",    "detail",      "details",    "texture",
    "noise",     "grain",      "border",     "frame",      "rotate",     "flip",        "mirror",     "print",
    "printing",  "feed",       "post",       "posts",      "reel",       "reels",       "thumbnail",  "header",
    "cheers",    "thanks",     "thank",      "please",     "hello",      "world",       "sale",       "shop",
    "store",     "brand",      "soft",       "shadow",     "shadows",    "highlight",   "highlights", "bluer",
    "redder",    "greener",    "yellower",   "garish",     "glare",      "glow",        "glowing",    "shine",
    "sheen",     "gloss",      "glossy",     "matte",      "skin",       "face",        "hair"};

int edit_distance(std::string_view a, std::string_view b, int limit) {
  // Damerau (optimal string alignment) distance with an early exit once every cell passes `limit`;
  // hand-written because no library in the stack offers a bounded one over a few hundred keywords.
  if (static_cast<int>(a.size()) - static_cast<int>(b.size()) > limit ||
      static_cast<int>(b.size()) - static_cast<int>(a.size()) > limit) {
    return limit + 1;
  }
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    int row_best = limit + 1;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      row_best = std::min(row_best, d[i][j]);
    }
    if (row_best > limit) return limit + 1;
  }
  return d[a.size()][b.size()];
}

const std::vector<std::string>& correction_targets() {
  static const std::vector<std::string> targets = [] {
    std::set<std::string> words(std::begin(kActionWords), std::end(kActionWords));
    words.insert(std::begin(kKeywords), std::end(kKeywords));
    return std::vector<std::string>(words.begin(), words.end());
  }();
  return targets;
}

bool is_known_word(std::string_view word) {
  static const std::set<std::string, std::less<>> known = [] {
    std::set<std::string, std::less<>> words(std::begin(kActionWords), std::end(kActionWords));
    words.insert(std::begin(kKeywords), std::end(kKeywords));
    words.insert(std::begin(kOrdinaryWords), std::end(kOrdinaryWords));
    for (const auto& name : known_color_names()) words.insert(name);
    return words;
  }();
  return known.find(word) != known.end();
}

}  // namespace

bool starts_action(std::string_view lower_word) {
  return std::find(std::begin(kActionWords), std::end(kActionWords), lower_word) != std::end(kActionWords);
}

std::string correct_spelling(std::string_view word) {
  const bool alphabetic =
      std::all_of(word.begin(), word.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '\''; });
  if (!alphabetic || is_known_word(word)) return std::string(word);
  if (word.size() < 4) {
    static const std::vector<std::pair<std::string_view, std::string_view>> short_typos{
        {"teh", "the"}, {"hte", "the"}, {"tge", "the"}, {"adn", "and"}, {"nad", "and"}, {"ot", "to"}, {"fo", "of"}};
    for (const auto& [typo, fix] : short_typos) {
      if (word == typo) return std::string(fix);
    }
    return std::string(word);
  }
  // Inflections of known words (blurs, cropped, warmed) are not typos.
  for (const char* suffix : {"s", "es", "ed", "d", "ing", "ly", "er", "est"}) {
    const std::string_view ending(suffix);
    if (word.size() > ending.size() + 2 && word.substr(word.size() - ending.size()) == ending &&
        is_known_word(word.substr(0, word.size() - ending.size()))) {
      return std::string(word);
    }
  }
  const int limit = word.size() >= 8 ? 2 : 1;
  // Among keywords equally close, the one of the same length wins ("warmr" → "warmer" over "warm":
  // a dropped letter is the commonest slip); a tie beyond that leaves the word alone.
  const std::string* best = nullptr;
  int best_distance = limit + 1;
  std::size_t best_length_gap = 0;
  bool tied = false;
  for (const auto& keyword : correction_targets()) {
    if (keyword.size() < 4) continue;
    const int distance = edit_distance(word, keyword, limit);
    if (distance > limit) continue;
    const std::size_t gap =
        keyword.size() > word.size() ? keyword.size() - word.size() - 1 : word.size() - keyword.size() + 1;
    if (distance < best_distance || (distance == best_distance && gap < best_length_gap)) {
      best = &keyword;
      best_distance = distance;
      best_length_gap = gap;
      tied = false;
    } else if (distance == best_distance && gap == best_length_gap) {
      tied = true;
    }
  }
  return best != nullptr && !tied ? *best : std::string(word);
}

double intensity_factor(const std::string& text) {
  // Checked in order: "a bit more" is small, "much more" is large.
  static const std::vector<std::pair<std::regex, double>> factors{
      {std::regex("\\b(very slightly|barely|just a touch|a tiny bit|a hint)\\b"), 0.25},
      {std::regex(
           "\\b(slightly|slight|a little|a bit|a touch|subtly|subtle|somewhat|gently|a tad|mildly|softly|lightly)\\b"),
       0.5},
      {std::regex("\\b(much|a "
                  "lot|lots|significantly|strongly|very|dramatically|heavily|really|way|hugely|massively|extremely|"
                  "considerably|seriously|super)\\b"),
       2.0},
  };
  for (const auto& [pattern, factor] : factors) {
    if (std::regex_search(text, pattern)) return factor;
  }
  return 1.0;
}

std::optional<json> region_named_in(const std::string& text) {
  static const std::vector<std::pair<std::regex, std::string>> regions{
      {std::regex("\\b(top|upper)[- ]?left\\b"), "top-left"},
      {std::regex("\\b(top|upper)[- ]?right\\b"), "top-right"},
      {std::regex("\\b(bottom|lower)[- ]?left\\b"), "bottom-left"},
      {std::regex("\\b(bottom|lower)[- ]?right\\b"), "bottom-right"},
      {std::regex("\\bleft(most)? third\\b"), "left-third"},
      {std::regex("\\bright(most)? third\\b"), "right-third"},
      {std::regex("\\b(top|upper) third\\b"), "top-third"},
      {std::regex("\\b(bottom|lower) third\\b"), "bottom-third"},
      {std::regex("\\b(middle|centre|center) third\\b"), "middle-third"},
      {std::regex("\\b(background|backdrop|behind (him|her|them|it))\\b"), "background"},
      {std::regex("\\b(left half|left side|on the left|left part|to the left|at the left|left edge)\\b"), "left"},
      {std::regex("\\b(right half|right side|on the right|right part|to the right|at the right|right edge)\\b"),
       "right"},
      {std::regex("\\b(top half|upper half|top part|at the top|the top|top edge|upper part|on top|sky)\\b"), "top"},
      {std::regex("\\b(bottom half|lower half|bottom part|at the bottom|the bottom|bottom edge|lower part)\\b"),
       "bottom"},
      {std::regex("\\b(center|centre|middle|centered|centred)\\b"), "center"},
      // Words for the main subject itself; a kind of thing ("the dog", "the cup") is not assumed to be it.
      {std::regex(
           "\\b(subject|product|foreground|person|people|model|main object|the (man|woman|girl|boy|item|object))\\b"),
       "subject"},
  };
  for (const auto& [pattern, name] : regions) {
    if (std::regex_search(text, pattern)) return json{{"region", name}};
  }
  std::smatch match;
  static const std::regex color_area(
      "\\b([a-z#0-9]+(?: [a-z]+)?) (?:areas?|parts?|regions?|tones?|bits?|pixels?|patches?|spots?)\\b");
  if (std::regex_search(text, match, color_area)) {
    const std::string candidate = match[1];
    for (const std::string& name : {candidate, candidate.substr(candidate.find(' ') + 1)}) {
      if (parse_color(name)) return json{{"color", name}, {"tolerance", 25}};
    }
  }
  return std::nullopt;
}

std::optional<OutputFormat> format_named_in(const std::string& text) {
  // Common platform sizes (2024 guidance of each platform); "for print" is handled as an upscale.
  static const std::vector<std::pair<std::regex, OutputFormat>> formats{
      {std::regex("\\b(instagram|insta|ig) (story|stories|reels?)\\b|\\b(tiktok|tik tok|reels?|stories|story)\\b"),
       {"instagram story", "9:16", 1080, 1920}},
      {std::regex("\\b(instagram|insta|ig) (portrait|feed)\\b"), {"instagram portrait", "4:5", 1080, 1350}},
      {std::regex("\\b(instagram|insta|ig)\\b"), {"instagram post", "1:1", 1080, 1080}},
      {std::regex("\\bfacebook cover\\b"), {"facebook cover", "205:78", 820, 312}},
      {std::regex("\\bfacebook\\b"), {"facebook post", "1.91:1", 1200, 630}},
      {std::regex("\\b(twitter|x) (header|banner)\\b"), {"twitter header", "3:1", 1500, 500}},
      {std::regex("\\btwitter\\b"), {"twitter post", "16:9", 1600, 900}},
      {std::regex("\\blinkedin\\b"), {"linkedin banner", "4:1", 1584, 396}},
      {std::regex("\\byoutube\\b|\\bthumbnail\\b"), {"youtube thumbnail", "16:9", 1280, 720}},
      {std::regex("\\bpinterest\\b|\\bpin\\b"), {"pinterest pin", "2:3", 1000, 1500}},
      {std::regex(
           "\\b(website|web|site|homepage|hero|email) (banner|header|hero|image)\\b|\\bweb banner\\b|\\bbanner\\b"),
       {"website banner", "3:1", 1920, 640}},
      {std::regex("\\b(desktop )?wallpaper\\b|\\bdesktop background\\b"), {"desktop wallpaper", "16:9", 1920, 1080}},
      {std::regex("\\bphone (wallpaper|background|screen)\\b"), {"phone wallpaper", "9:16", 1080, 1920}},
      {std::regex("\\ba4\\b"), {"A4", "210:297", 0, 0}},
      {std::regex("\\b(us )?letter (size|paper)\\b"), {"US letter", "17:22", 0, 0}},
  };
  for (const auto& [pattern, format] : formats) {
    if (std::regex_search(text, pattern)) return format;
  }
  return std::nullopt;
}

std::optional<std::string> aspect_named_in(const std::string& text) {
  std::smatch match;
  static const std::regex ratio(
      "(?:^|[^\\d.])(\\d{1,3}(?:\\.\\d+)?)\\s*(?::|/| by | to "
      "|x)\\s*(\\d{1,3}(?:\\.\\d+)?)(?![\\d.]|\\s*(?:px|pixels))");
  if (std::regex_search(text, match, ratio)) return match[1].str() + ":" + match[2].str();
  static const std::vector<std::pair<std::regex, std::string>> words{
      {std::regex("\\b(square|1 ?to ?1|squared)\\b"), "1:1"},
      {std::regex("\\b(widescreen|wide screen|cinematic|16 9)\\b"), "16:9"},
      {std::regex("\\b(panorama|panoramic)\\b"), "3:1"},
      {std::regex("\\b(vertical|portrait)\\b"), "4:5"},
      {std::regex("\\b(horizontal|landscape)\\b"), "3:2"},
  };
  for (const auto& [pattern, aspect] : words) {
    if (std::regex_search(text, pattern)) return aspect;
  }
  return std::nullopt;
}

std::optional<std::string> style_named_in(const std::string& text) {
  // Names as style.apply spells them; looks it lacks (pop art, pixel art…) keep their own name so the
  // planner can say the style is not available.
  static const std::vector<std::pair<std::regex, std::string>> styles{
      {std::regex("\\bwater ?colou?rs?\\b"), "watercolor"},
      {std::regex("\\bcolou?red pencils?\\b"), "pencil-color"},
      {std::regex("\\b(pencil|charcoal|sketch|sketchy|line drawing|line art|pencil drawing|ink drawing|drawing)\\b"),
       "pencil"},
      {std::regex("\\b(cartoon|cartoonish|comic|comic book|anime|manga|toon)\\b"), "cartoon"},
      {std::regex("\\b(oil painting|oil paint|oil|painting)\\b"), "oil"},
      {std::regex("\\b(painterly|impressionist|stylized|stylised|stylize|stylise|artistic)\\b"), "stylize"},
      {std::regex("\\b(sepia|vintage|retro|old photo|old-fashioned|antique|film look|70s|1970s)\\b"), "sepia"},
      {std::regex("\\bduo ?tone\\b"), "duotone"},
      {std::regex("\\bvignett?e\\b"), "vignette"},
      {std::regex("\\b(hdr|local contrast)\\b"), "detail"},
      {std::regex("\\bpop ?art\\b|\\bwarhol\\b"), "pop art"},
      {std::regex("\\bpixel ?art\\b|\\bpixelated\\b|\\b8 ?bit\\b"), "pixel art"},
      {std::regex("\\b(mosaic|stained glass)\\b"), "mosaic"},
      {std::regex("\\b(emboss|embossed)\\b"), "emboss"},
  };
  for (const auto& [pattern, style] : styles) {
    if (std::regex_search(text, pattern)) return style;
  }
  return std::nullopt;
}

std::optional<std::string> first_color_in(const std::string& text, std::size_t from, std::size_t* end) {
  // Word by word; a two-word name ("navy blue", "light grey") before a one-word one.
  static const std::regex word_pattern("#[0-9a-f]{6}\\b|#[0-9a-f]{3}\\b|[a-z]+");
  from = std::min(from, text.size());
  struct Found {
    std::string word;
    std::size_t end;
  };
  std::vector<Found> words;
  for (auto it = std::sregex_iterator(text.begin() + static_cast<std::ptrdiff_t>(from), text.end(), word_pattern);
       it != std::sregex_iterator(); ++it) {
    words.push_back({it->str(), from + static_cast<std::size_t>(it->position() + it->length())});
  }
  const auto found = [&](std::string name, std::size_t after) {
    if (end != nullptr) *end = after;
    return std::optional<std::string>(std::move(name));
  };
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].word[0] == '#') return found(words[i].word, words[i].end);
    if (i + 1 < words.size() && words[i + 1].word[0] != '#' && words[i].word != "and" &&
        parse_color(words[i].word + " " + words[i + 1].word)) {
      return found(words[i].word + " " + words[i + 1].word, words[i + 1].end);
    }
    if (parse_color(words[i].word)) return found(words[i].word, words[i].end);
  }
  return std::nullopt;
}

}  // namespace easel
