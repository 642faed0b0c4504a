#include "easel/plan/instruction_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "easel/plan/vocabulary.hpp"

namespace easel {
namespace {

constexpr char kMarkerStart = '\x1e';
constexpr char kMarkerEnd = '\x1f';

struct QuotePair {
  std::string_view open;
  std::string_view close;
  std::string_view alternative_close;
};

// Straight quotes, “…”, „…“ (or „…”), ‘…’ and «…». Apostrophe quotes are handled apart.
constexpr std::array<QuotePair, 5> kQuotePairs{{{"\"", "\"", "\""},
                                                {"\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x9D"},
                                                {"\xE2\x80\x9E", "\xE2\x80\x9C", "\xE2\x80\x9D"},
                                                {"\xE2\x80\x98", "\xE2\x80\x99", "\xE2\x80\x99"},
                                                {"\xC2\xAB", "\xC2\xBB", "\xC2\xBB"}}};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool at_word_start(std::string_view text, std::size_t i) {
  return i == 0 || is_space(text[i - 1]) || text[i - 1] == '(' || text[i - 1] == ':';
}
bool at_word_end(std::string_view text, std::size_t after) {
  return after >= text.size() || is_space(text[after]) ||
         std::string_view(".,;:!?)").find(text[after]) != std::string_view::npos;
}

std::string marker(std::size_t index) { return std::string(1, kMarkerStart) + std::to_string(index) + kMarkerEnd; }

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::string lower_word(std::string_view word) {
  std::string result;
  for (char c : word) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'' || c == '#' || c == '-' || c == ':' || c == '%' ||
        c == '.' || c == '&' || c == '+' || c == kMarkerStart || c == kMarkerEnd ||
        static_cast<unsigned char>(c) >= 0x80) {
      result += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (!result.empty() && (result.back() == '.' || result.back() == ':' || result.back() == '-')) result.pop_back();
  return result;
}

// A word of a sentence with its place, for splitting.
struct Word {
  std::size_t begin;
  std::size_t end;
  std::string lower;
  bool comma_after;
  std::string corrected = {};  // lower, spelling corrected (computed once: splitting asks often)
};

std::vector<Word> words_of(std::string_view sentence) {
  std::vector<Word> words;
  std::size_t i = 0;
  while (i < sentence.size()) {
    while (i < sentence.size() && (is_space(sentence[i]) || sentence[i] == ',')) {
      if (sentence[i] == ',' && !words.empty()) words.back().comma_after = true;
      ++i;
    }
    if (i >= sentence.size()) break;
    const std::size_t begin = i;
    while (i < sentence.size() && !is_space(sentence[i]) && sentence[i] != ',') ++i;
    Word word{begin, i, lower_word(sentence.substr(begin, i - begin)), false};
    word.corrected = correct_spelling(word.lower);
    words.push_back(std::move(word));
  }
  return words;
}

// Words that only join clauses: dropped at a split.
bool is_connector(const std::string& word) {
  static constexpr std::array kConnectors{"and",    "then", "&",          "also",  "plus", "but",    "finally",
                                          "lastly", "next", "afterwards", "after", "that", "please", "pls",
                                          "and/or", "as",   "well",       "too",   "+",    "just",   "now"};
  return std::find(kConnectors.begin(), kConnectors.end(), word) != kConnectors.end();
}

bool begins_action(const std::vector<Word>& words, std::size_t index) {
  if (index >= words.size()) return false;
  return starts_action(words[index].corrected);
}

// "it's underexposed, fix the exposure": a description with no action belongs to the clause after it.
bool describes_the_image(const std::vector<Word>& words, std::size_t clause_begin, std::size_t last) {
  bool describes = false;
  for (const auto& word : words) {
    if (word.begin < clause_begin || word.begin > words[last].begin) continue;
    if (starts_action(word.corrected)) return false;
    if (word.lower == "is" || word.lower == "it's" || word.lower == "looks" || word.lower == "are" ||
        word.lower == "seems" || word.lower == "feels" || word.lower == "too") {
      describes = true;
    }
  }
  return describes;
}

bool is_quotation(const Word& word) { return word.lower.find('\x1e') != std::string::npos; }

// "add "SUMMER SALE" at the top and the text "50% off" below it": after a clause with a quoted text, a
// joint followed within three words by another quotation starts a second text.
bool adds_another_text(const std::vector<Word>& words, std::size_t clause_begin, std::size_t last, std::size_t next) {
  bool quoted_before = false;
  for (std::size_t k = 0; k <= last; ++k)
    quoted_before = quoted_before || (words[k].begin >= clause_begin && is_quotation(words[k]));
  if (!quoted_before) return false;
  for (std::size_t k = next; k < words.size() && k < next + 3; ++k) {
    if (is_quotation(words[k])) return true;
  }
  return false;
}

void add_clause(std::vector<Clause>& clauses, std::string_view sentence, std::size_t begin, std::size_t end,
                Section section, const std::vector<Quotation>& quotations) {
  const std::string piece = trim(sentence.substr(begin, end - begin));
  if (piece.empty()) return;
  std::string text = normalise_clause(piece);
  bool only_filler = true;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t space = std::min(text.find(' ', start), text.size());
    if (!is_filler_word(text.substr(start, space - start))) only_filler = false;
    start = space + 1;
  }
  if (only_filler) return;
  clauses.push_back({restore_quotations(piece, quotations), std::move(text), section});
}

void split_sentence(std::vector<Clause>& clauses, std::string_view sentence, Section section,
                    const std::vector<Quotation>& quotations) {
  const std::vector<Word> words = words_of(sentence);
  std::size_t clause_begin = words.empty() ? 0 : words[0].begin;
  for (std::size_t i = 0; i < words.size(); ++i) {
    // A joint is a comma after word i, or a run of connector words starting at i + 1.
    std::size_t next = i + 1;
    bool said_then = false;
    // "next to the laptop" is a place, not a joint.
    while (next < words.size() && is_connector(words[next].lower) &&
           !(words[next].lower == "next" && next + 1 < words.size() && words[next + 1].lower == "to")) {
      said_then =
          said_then || words[next].lower == "then" || words[next].lower == "finally" || words[next].lower == "next";
      ++next;
    }
    const bool has_joint = words[i].comma_after || next > i + 1;
    if (!has_joint || next >= words.size()) continue;
    bool split = said_then || begins_action(words, next) || adds_another_text(words, clause_begin, i, next);
    if (split && !said_then && describes_the_image(words, clause_begin, i)) split = false;
    if (section == Section::preserve) split = true;
    if (!split) continue;
    add_clause(clauses, sentence, clause_begin, words[i].end, section, quotations);
    clause_begin = words[next].begin;
    i = next - 1;
  }
  add_clause(clauses, sentence, clause_begin, sentence.size(), section, quotations);
}

// A section header at `i` ("Preserve:", "Keep:", "Edit:", "Changes:"), case-insensitive; returns its
// length (0 when none) and the section it opens.
std::size_t section_header_at(std::string_view text, std::size_t i, Section& section) {
  static const std::array<std::pair<std::string_view, Section>, 9> headers{{{"preserve:", Section::preserve},
                                                                            {"keep:", Section::preserve},
                                                                            {"do not change:", Section::preserve},
                                                                            {"don't change:", Section::preserve},
                                                                            {"keep unchanged:", Section::preserve},
                                                                            {"edit:", Section::edit},
                                                                            {"edits:", Section::edit},
                                                                            {"changes:", Section::edit},
                                                                            {"change:", Section::edit}}};
  if (i > 0 && !is_space(text[i - 1]) && text[i - 1] != '.' && text[i - 1] != ';') return 0;
  for (const auto& [header, kind] : headers) {
    if (text.size() - i < header.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < header.size() && same; ++k) {
      same = std::tolower(static_cast<unsigned char>(text[i + k])) == header[k];
    }
    if (same) {
      section = kind;
      return header.size();
    }
  }
  return 0;
}

}  // namespace

ProtectedInstruction protect_quotations(std::string_view instruction) {
  ProtectedInstruction result;
  // The marker bytes are control characters no instruction needs: any in the input become spaces.
  std::string cleaned(instruction);
  std::replace(cleaned.begin(), cleaned.end(), kMarkerStart, ' ');
  std::replace(cleaned.begin(), cleaned.end(), kMarkerEnd, ' ');
  instruction = cleaned;
  std::size_t i = 0;
  while (i < instruction.size()) {
    bool found = false;
    for (const auto& pair : kQuotePairs) {
      if (instruction.compare(i, pair.open.size(), pair.open) != 0) continue;
      const std::size_t inner = i + pair.open.size();
      std::size_t close = instruction.find(pair.close, inner);
      std::size_t close_size = pair.close.size();
      const std::size_t alternative = instruction.find(pair.alternative_close, inner);
      if (alternative < close) {
        close = alternative;
        close_size = pair.alternative_close.size();
      }
      if (close == std::string_view::npos || close == inner) break;
      std::string text(instruction.substr(inner, close - inner));
      // «  SALE  » is written with spaces inside by French convention; they are not part of the text.
      if (pair.open == "\xC2\xAB") text = trim(text);
      result.text += marker(result.quotations.size());
      result.quotations.push_back({std::string(instruction.substr(i, close + close_size - i)), std::move(text)});
      i = close + close_size;
      found = true;
      break;
    }
    if (found) continue;
    if (instruction[i] == '\'' && at_word_start(instruction, i)) {
      std::size_t close = instruction.find('\'', i + 1);
      while (close != std::string_view::npos && !at_word_end(instruction, close + 1))
        close = instruction.find('\'', close + 1);
      if (close != std::string_view::npos && close > i + 1 &&
          instruction.substr(i + 1, close - i - 1).find('\n') == std::string_view::npos) {
        result.text += marker(result.quotations.size());
        result.quotations.push_back(
            {std::string(instruction.substr(i, close + 1 - i)), std::string(instruction.substr(i + 1, close - i - 1))});
        i = close + 1;
        continue;
      }
    }
    result.text += instruction[i];
    ++i;
  }
  return result;
}

std::string restore_quotations(std::string_view text, const std::vector<Quotation>& quotations) {
  std::string result;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == kMarkerStart) {
      const std::size_t end = text.find(kMarkerEnd, i);
      const std::size_t index = std::stoul(std::string(text.substr(i + 1, end - i - 1)));
      result += quotations.at(index).with_quotes;
      i = end + 1;
    } else {
      result += text[i++];
    }
  }
  return result;
}

std::size_t quotation_index(std::string_view text, std::size_t occurrence) {
  std::size_t at = 0;
  for (std::size_t n = 0;; ++n) {
    at = text.find(kMarkerStart, at);
    if (at == std::string_view::npos) return std::string_view::npos;
    if (n == occurrence) return std::stoul(std::string(text.substr(at + 1, text.find(kMarkerEnd, at) - at - 1)));
    ++at;
  }
}

std::string normalise_clause(std::string_view text) {
  std::string spaced;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Curly apostrophes outside quotations are apostrophes ("don’t").
    if (text.compare(i, 3, "\xE2\x80\x99") == 0) {
      spaced += '\'';
      i += 2;
    } else {
      spaced += text[i];
    }
  }
  std::string result;
  std::size_t i = 0;
  while (i < spaced.size()) {
    while (i < spaced.size() && is_space(spaced[i])) ++i;
    if (i >= spaced.size()) break;
    const std::size_t begin = i;
    while (i < spaced.size() && !is_space(spaced[i])) ++i;
    std::string word;
    for (std::size_t k = begin; k < i; ++k)
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(spaced[k])));
    // Punctuation stays beside the word; only its letters are corrected.
    std::size_t letters_begin = 0;
    while (letters_begin < word.size() && !std::isalpha(static_cast<unsigned char>(word[letters_begin])))
      ++letters_begin;
    std::size_t letters_end = letters_begin;
    while (letters_end < word.size() &&
           (std::isalpha(static_cast<unsigned char>(word[letters_end])) || word[letters_end] == '\''))
      ++letters_end;
    if (letters_end > letters_begin && word.find(kMarkerStart) == std::string::npos &&
        word.find('#') == std::string::npos &&
        (letters_end == word.size() || !std::isalnum(static_cast<unsigned char>(word[letters_end])))) {
      word = word.substr(0, letters_begin) + correct_spelling(word.substr(letters_begin, letters_end - letters_begin)) +
             word.substr(letters_end);
    }
    if (!result.empty()) result += ' ';
    result += word;
  }
  return result;
}

bool is_filler_word(std::string_view word) {
  while (!word.empty() && std::string_view(".,;:!?()\"'").find(word.back()) != std::string_view::npos)
    word.remove_suffix(1);
  while (!word.empty() && std::string_view(".,;:!?()\"'").find(word.front()) != std::string_view::npos)
    word.remove_prefix(1);
  static constexpr std::array kFiller{"",       "and",   "then",       "&",     "also", "plus",   "but", "finally",
                                      "lastly", "next",  "afterwards", "after", "that", "please", "pls", "plz",
                                      "thanks", "thank", "you",        "thx",   "ty",   "cheers", "ok",  "okay",
                                      "hi",     "hello", "hey",        "so",    "just", "too",    "as",  "well",
                                      "-",      "+",     "and/or",     "—",     "–"};
  return std::find(kFiller.begin(), kFiller.end(), word) != kFiller.end();
}

std::vector<Clause> split_clauses(const ProtectedInstruction& instruction) {
  const std::string_view text = instruction.text;
  std::vector<Clause> clauses;
  Section section = Section::free;
  std::size_t sentence_begin = 0;
  const auto close_sentence = [&](std::size_t end) {
    if (end > sentence_begin)
      split_sentence(clauses, text.substr(sentence_begin, end - sentence_begin), section, instruction.quotations);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    Section next_section = section;
    if (const std::size_t header = section_header_at(text, i, next_section)) {
      close_sentence(i);
      section = next_section;
      sentence_begin = i + header;
      i = sentence_begin - 1;
      continue;
    }
    const char c = text[i];
    const bool sentence_end =
        c == ';' || c == '!' || c == '?' || c == '\n' || (c == '.' && (i + 1 >= text.size() || is_space(text[i + 1])));
    if (sentence_end) {
      close_sentence(i);
      sentence_begin = i + 1;
    }
  }
  close_sentence(text.size());
  return clauses;
}

}  // namespace easel
