#include "easel/plan/named_things.hpp"

#include <cctype>
#include <regex>
#include <set>

#include "easel/ops/color.hpp"

namespace easel {
namespace {

using Words = std::set<std::string, std::less<>>;

// Words that end the phrase naming a thing: prepositions, joining words, verbs and the tone words that
// follow a thing ("make the shirt brighter", "the person on the left").
const Words kPhraseEnd{
    "on",      "in",      "at",       "to",       "from",        "of",       "near",      "next",        "behind",
    "beside",  "besides", "with",     "without",  "by",          "along",    "into",      "onto",        "under",
    "over",    "above",   "below",    "for",      "around",      "across",   "between",   "against",     "inside",
    "outside", "within",  "through",  "toward",   "towards",     "and",      "but",       "or",          "so",
    "that",    "which",   "who",      "then",     "than",        "as",       "like",      "while",       "where",
    "when",    "if",      "a",        "an",       "is",          "are",      "was",       "were",        "be",
    "been",    "look",    "looks",    "feel",     "feels",       "seem",     "seems",     "pop",         "pops",
    "stand",   "stands",  "appear",   "appears",  "stay",        "stays",    ",",         "remain",      "remains",
    "should",  "must",    "needs",    "has",      "have",        "will",     "would",     "could",       "up",
    "down",    "out",     "off",      "away",     "back",        "more",     "less",      "too",         "very",
    "much",    "really",  "slightly", "bit",      "lot",         "tad",      "touch",     "even",        "again",
    "also",    "just",    "only",     "please",   "brighter",    "darker",   "lighter",   "warmer",      "cooler",
    "colder",  "sharper", "crisper",  "softer",   "punchier",    "richer",   "deeper",    "stronger",    "weaker",
    "bigger",  "smaller", "larger",   "wider",    "taller",      "narrower", "shorter",   "higher",      "lower",
    "bluer",   "greener", "redder",   "yellower", "vivid",       "vibrant",  "saturated", "desaturated", "muted",
    "moody",   "moodier", "bright",   "dark",     "warm",        "cool",     "cold",      "natural",     "clean",
    "clear",   "sharp",   "blurry",   "blurred",  "transparent", "visible",  "invisible"};

// Determiners before the thing ("all the", "the").
const Words kDeterminers{"the",  "his",   "her",   "their", "its", "my",   "our",  "your", "this",
                         "that", "these", "those", "all",   "any", "some", "both", "each", "every"};

// Words describing a thing that do not name it ("the little dog", "the whole image").
const Words kDescriptive{"whole",       "entire", "main",   "overall", "little",   "small",    "big",
                         "large",       "tiny",   "huge",   "old",     "new",      "ugly",     "annoying",
                         "distracting", "random", "other",  "current", "original", "existing", "same",
                         "single",      "first",  "second", "last",    "front",    "rear"};

// Places in the frame used as adjectives ("the top left corner", "the left cup").
const Words kPositions{"left", "right", "top", "bottom", "upper", "lower", "middle", "center", "centre", "far"};

const Words kImageWords{"image",    "images",    "photo", "photos", "photograph", "picture",
                        "pictures", "pic",       "shot",  "scene",  "everything", "composition",
                        "canvas",   "reference", "ref",   "version"};

const Words kPropertyWords{
    "contrast", "saturation", "brightness", "exposure", "warmth",  "hue",      "gamma",       "sharpness",  "colours",
    "colors",   "colour",     "color",      "tones",    "tone",    "tint",     "temperature", "lighting",   "light",
    "mood",     "look",       "feel",       "vibe",     "balance", "shadows",  "highlights",  "midtones",   "details",
    "detail",   "clarity",    "resolution", "size",     "aspect",  "ratio",    "style",       "effect",     "filter",
    "quality",  "grade",      "grading",    "palette",  "levels",  "vibrance", "glow",        "atmosphere", "noise",
    "grain",    "focus",      "blacks",     "whites",   "greens",  "blues",    "reds",        "yellows",    "oranges",
    "purples",  "pinks",      "browns",     "greys",    "grays",   "areas",    "area",        "parts",      "part",
    "regions",  "region",     "bits",       "pixels",   "patches", "spots"};

// Area words that, with a colour, name a colour area ("the red areas").
const Words kAreaWords{"areas", "area",   "parts",   "part",  "regions", "region",
                       "bits",  "pixels", "patches", "spots", "tones"};

const Words kPlaceWords{"background", "backdrop", "bg",     "surroundings", "half",     "side",    "sides",  "corner",
                        "corners",    "third",    "thirds", "middle",       "center",   "centre",  "edge",   "edges",
                        "top",        "bottom",   "left",   "right",        "quadrant", "section", "portion"};

const Words kSubjectWords{"subject", "subjects", "product", "products", "foreground", "person", "people",
                          "model",   "models",   "man",     "woman",    "men",        "women",  "girl",
                          "girls",   "boy",      "boys",    "child",    "children",   "kid",    "kids",
                          "guy",     "guys",     "lady",    "ladies"};

const Words kObjectWords{"object",   "objects", "thing",  "things", "item",  "items", "element",
                         "elements", "shape",   "shapes", "blob",   "blobs", "stuff"};

bool in(const Words& words, const std::string& word) { return words.find(word) != words.end(); }

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  // Punctuation ends a phrase: it becomes a word of its own (",").
  const auto flush = [&] {
    bool punctuated = false;
    while (!word.empty() && std::string(",.;:!?").find(word.back()) != std::string::npos) {
      word.pop_back();
      punctuated = true;
    }
    if (word.size() > 2 && word.compare(word.size() - 2, 2, "'s") == 0) word.resize(word.size() - 2);
    if (!word.empty()) words.push_back(word);
    if (punctuated) words.emplace_back(",");
    word.clear();
  };
  for (const char c : text) {
    if (c == ' ') {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  return words;
}

bool ends_phrase(const std::string& word) {
  return in(kPhraseEnd, word) || word.find('\x1e') != std::string::npos ||
         std::isdigit(static_cast<unsigned char>(word[0]));
}

// The kind of a phrase from its head (last naming word) and the words before it.
ThingKind kind_of(const std::vector<std::string>& naming, bool positioned, bool coloured, bool whole) {
  if (naming.empty()) return positioned ? ThingKind::place : (coloured ? ThingKind::colour_area : ThingKind::image);
  const std::string& head = naming.back();
  if (in(kImageWords, head)) return ThingKind::image;
  if (in(kObjectWords, head)) return whole ? ThingKind::image : ThingKind::object;
  if (in(kSubjectWords, head)) return ThingKind::subject;
  if (in(kPlaceWords, head)) return ThingKind::place;
  if (!in(kPropertyWords, head)) return ThingKind::unknown;
  // A property of something: "the skin tones", "the shirt's colour", "the product colours", "the red areas".
  for (std::size_t i = 0; i + 1 < naming.size(); ++i) {
    const ThingKind of = kind_of({naming[i]}, false, false, false);
    if (of == ThingKind::unknown || of == ThingKind::subject || of == ThingKind::place) return of;
  }
  if (coloured && in(kAreaWords, head)) return ThingKind::colour_area;
  return ThingKind::property;
}

}  // namespace

NamedThing thing_named_by(const std::string& phrase) {
  const std::vector<std::string> words = split_words(phrase);
  std::size_t i = 0;
  while (i < words.size() && in(kDeterminers, words[i])) ++i;
  NamedThing thing;
  std::vector<std::string> naming;
  bool positioned = false;
  bool whole = false;
  for (; i < words.size() && !ends_phrase(words[i]); ++i) {
    const std::string& word = words[i];
    if (parse_color(word)) {
      if (!naming.empty()) break;  // "make the cup blue": the new colour, after the thing
      if (thing.colour.empty()) thing.colour = word;
    } else if (in(kPositions, word)) {
      positioned = true;
      if (i + 1 == words.size() || ends_phrase(words[i + 1])) naming.push_back(word);  // "the top": the place itself
    } else if (in(kDescriptive, word)) {
      whole = whole || word == "whole" || word == "entire";
    } else {
      naming.push_back(word);
    }
  }
  for (std::size_t w = 0; w < i; ++w) thing.words += (thing.words.empty() ? "" : " ") + words[w];
  thing.kind = kind_of(naming, positioned, !thing.colour.empty(), whole);
  // "the people in the background" are not the main subject.
  std::string rest;
  for (std::size_t w = i; w < words.size(); ++w) rest += " " + words[w];
  if (thing.kind == ThingKind::subject &&
      std::regex_search(rest, std::regex("^ (in|at) the (background|back)\\b|^ behind\\b"))) {
    thing.kind = ThingKind::unknown;
    thing.words += rest;
  }
  return thing;
}

std::vector<NamedThing> things_named_in(const std::string& clause_text) {
  // A phrase after "for", "like", "as" or "than" is a purpose or a comparison ("for our Etsy listing",
  // "like the reference"), not what the clause acts on.
  static const std::regex opener("\\b(the|his|her|their|its|my|our|your)\\b");
  static const std::regex aside("\\b(for|like|as|than)( all)? $");
  std::vector<NamedThing> things;
  for (std::sregex_iterator it(clause_text.begin(), clause_text.end(), opener), end; it != end; ++it) {
    const auto at = static_cast<std::size_t>(it->position());
    if (std::regex_search(clause_text.substr(0, at), aside)) continue;
    things.push_back(thing_named_by(clause_text.substr(at)));
  }
  return things;
}

std::optional<NamedThing> first_thing_named_in(const std::string& clause_text) {
  for (auto& thing : things_named_in(clause_text)) {
    if (thing.kind != ThingKind::image && thing.kind != ThingKind::property && thing.kind != ThingKind::place)
      return thing;
  }
  return std::nullopt;
}

}  // namespace easel
