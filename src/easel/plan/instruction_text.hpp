#pragma once
// The words of an instruction, before any meaning is read from them: quoted strings set aside byte for
// byte, "Preserve: … Edit: …" sections, clauses split where a new action starts, and spelling
// mistakes corrected against the planner's vocabulary.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace easel {

// A quoted string of the instruction: what goes on the image, exactly as written.
struct Quotation {
  std::string with_quotes;  // as written, quote marks included, to restore the clause's wording
  std::string text;         // between the quotes
};

// The instruction with each quotation replaced by a marker "\x1eN\x1f" that no word, separator or
// spelling correction can match.
struct ProtectedInstruction {
  std::string text;
  std::vector<Quotation> quotations;
};

// "…", “…”, „…“, ‘…’, «…», and '…' when the apostrophes stand at word edges (so "don't" is no quote).
ProtectedInstruction protect_quotations(std::string_view instruction);
std::string restore_quotations(std::string_view text, const std::vector<Quotation>& quotations);
// The index of the n-th marker in `text` (0-based occurrence), or npos.
std::size_t quotation_index(std::string_view text, std::size_t occurrence = 0);

enum class Section { free, preserve, edit };

struct Clause {
  std::string original;  // the user's wording, quotations restored
  std::string text;      // lower-case, single-spaced, spelling corrected, quotations as markers
  Section section = Section::free;
};

// Splits at sentence ends, ';', and at ',', "and", "then", "but", "also" where the next word starts a
// new action (so "black and white" and "the contrast and saturation" stay whole). Inside a
// "Preserve:" section every ',' and "and" separates items. Clauses made only of filler words
// ("please", "thanks") are left out; see is_filler_word.
std::vector<Clause> split_clauses(const ProtectedInstruction& instruction);

// Lower-case, ASCII apostrophes, one space between words, each word corrected by correct_spelling.
std::string normalise_clause(std::string_view text);

// Words that carry no edit ("please", "and", "then", "the"…): the coverage check skips them.
bool is_filler_word(std::string_view lower_word);

}  // namespace easel
