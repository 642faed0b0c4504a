#include "easel/diffusion/tokenizer.hpp"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "easel/core/error.hpp"
#include "easel/model_files/config_json.hpp"

namespace easel::diffusion {
namespace {

// Far above CLIP's 49408 tokens.
constexpr std::uint64_t max_token_id = 1u << 24;

// Windows-1252's characters for bytes 0x80–0x9F (0 where the code page leaves the byte undefined);
// mojibake is UTF-8 that was decoded with this code page.
constexpr std::array<UChar32, 32> cp1252_high = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                                 0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

int cp1252_byte(UChar32 c) {
  if (c < 0x80 || (c >= 0xA0 && c <= 0xFF)) return static_cast<int>(c);
  for (std::size_t i = 0; i < cp1252_high.size(); ++i) {
    if (cp1252_high[i] == c && c != 0) return static_cast<int>(0x80 + i);
  }
  if (c >= 0x80 && c <= 0x9F) return static_cast<int>(c);  // C1 controls stand for themselves
  return -1;
}

std::size_t utf8_sequence_length(int lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

std::vector<UChar32> code_points(const icu::UnicodeString& text) {
  std::vector<UChar32> points;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) points.push_back(text.char32At(i));
  return points;
}

icu::UnicodeString from_code_points(const std::vector<UChar32>& points) {
  icu::UnicodeString text;
  for (UChar32 c : points) text.append(c);
  return text;
}

// Repairs sequences of characters whose Windows-1252 bytes form a valid multi-byte UTF-8 character.
std::vector<UChar32> fix_mojibake(const std::vector<UChar32>& points) {
  std::vector<UChar32> fixed;
  for (std::size_t i = 0; i < points.size();) {
    const int lead = cp1252_byte(points[i]);
    const std::size_t length = lead < 0 ? 0 : utf8_sequence_length(lead);
    if (length > 0 && i + length <= points.size()) {
      std::string bytes(1, static_cast<char>(lead));
      for (std::size_t k = 1; k < length; ++k) {
        const int byte = cp1252_byte(points[i + k]);
        if (byte < 0x80 || byte > 0xBF) break;
        bytes.push_back(static_cast<char>(byte));
      }
      if (bytes.size() == length) {
        const auto decoded = code_points(icu::UnicodeString::fromUTF8(bytes));
        if (decoded.size() == 1 && decoded[0] != 0xFFFD) {
          fixed.push_back(decoded[0]);
          i += length;
          continue;
        }
      }
    }
    fixed.push_back(points[i++]);
  }
  return fixed;
}

const std::unordered_map<std::string, UChar32>& html_entities() {
  static const std::unordered_map<std::string, UChar32> entities = {
      {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},    {"nbsp", 0xA0},
      {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122}, {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
      {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},  {"eacute", 0xE9},  {"deg", 0xB0}};
  return entities;
}

// Decodes named and numeric character references; like ftfy, not when the text looks like HTML markup.
std::vector<UChar32> unescape_html(const std::vector<UChar32>& points) {
  if (std::find(points.begin(), points.end(), '<') != points.end()) return points;
  std::vector<UChar32> out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i] == '&') {
      const auto semicolon = std::find(points.begin() + static_cast<std::ptrdiff_t>(i), points.end(), ';');
      const auto length = static_cast<std::size_t>(semicolon - points.begin()) - i;
      if (semicolon != points.end() && length >= 2 && length <= 10) {
        std::string name;
        for (std::size_t k = i + 1; k < i + length; ++k)
          name.push_back(points[k] < 0x80 ? static_cast<char>(points[k]) : '?');
        UChar32 decoded = -1;
        if (name[0] == '#') {
          const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
          const std::string digits = name.substr(hex ? 2 : 1);
          if (!digits.empty() &&
              digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") == std::string::npos &&
              digits.size() <= 6) {
            const long value = std::stol(digits, nullptr, hex ? 16 : 10);
            if (value > 0 && value <= 0x10FFFF) decoded = static_cast<UChar32>(value);
          }
        } else if (const auto found = html_entities().find(name); found != html_entities().end()) {
          decoded = found->second;
        }
        if (decoded >= 0) {
          out.push_back(decoded);
          i += length;
          continue;
        }
      }
    }
    out.push_back(points[i]);
  }
  return out;
}

bool is_removed_control(UChar32 c) {
  return (c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// Python's str.isspace(), which `\s` in the reference's regular expressions follows.
bool is_python_space(UChar32 c) { return (c >= 0x1C && c <= 0x1F) || u_isUWhiteSpace(c); }

bool is_letter(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_L_MASK) != 0; }
bool is_number(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_N_MASK) != 0; }

std::string to_utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

std::vector<std::string> read_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorKind::capability,
                "tokenizer file " + path.string() + " not found (it comes with the model's tokenizer/ folder)");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string read_gzip(const std::filesystem::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file)
    throw Error(ErrorKind::capability,
                "tokenizer file " + path.string() + " not found (openai/CLIP's bpe_simple_vocab_16e6.txt.gz)");
  std::string content;
  std::array<char, 1 << 16> buffer{};
  int read = 0;
  while ((read = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
    content.append(buffer.data(), static_cast<std::size_t>(read));
  const bool failed = read < 0;
  gzclose(file);
  if (failed) throw Error(ErrorKind::input, "cannot decompress " + path.string());
  return content;
}

// CLIP maps every byte to a printable character so that BPE never sees whitespace or control bytes:
// printable Latin-1 bytes stand for themselves, the rest take code points from 256 upwards.
std::vector<std::string> make_byte_symbols(std::vector<int>* order) {
  std::vector<std::string> symbols(256);
  std::vector<int> printable;
  for (int b = '!'; b <= '~'; ++b) printable.push_back(b);
  for (int b = 0xA1; b <= 0xAC; ++b) printable.push_back(b);
  for (int b = 0xAE; b <= 0xFF; ++b) printable.push_back(b);
  int next = 256;
  std::vector<int> others;
  for (int b = 0; b < 256; ++b) {
    if (std::find(printable.begin(), printable.end(), b) == printable.end()) others.push_back(b);
  }
  for (int b : printable) symbols[static_cast<std::size_t>(b)] = to_utf8(icu::UnicodeString(static_cast<UChar32>(b)));
  for (int b : others) symbols[static_cast<std::size_t>(b)] = to_utf8(icu::UnicodeString(static_cast<UChar32>(next++)));
  if (order) {
    *order = printable;
    order->insert(order->end(), others.begin(), others.end());
  }
  return symbols;
}

std::pair<std::string, std::string> split_merge(const std::string& line) {
  const auto space = line.find(' ');
  if (space == std::string::npos) throw Error(ErrorKind::input, "malformed BPE merge line '" + line + "'");
  return {line.substr(0, space), line.substr(space + 1)};
}

// The regular expression of the reference tokenizer:
// <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+
std::vector<std::string> split_words(const std::vector<UChar32>& points) {
  static const std::array<std::u32string_view, 2> specials = {U"<|startoftext|>", U"<|endoftext|>"};
  static const std::array<std::u32string_view, 7> contractions = {U"'s", U"'t", U"'re", U"'ve", U"'m", U"'ll", U"'d"};
  const auto starts_with = [&](std::size_t at, std::u32string_view what) {
    if (at + what.size() > points.size()) return false;
    for (std::size_t k = 0; k < what.size(); ++k) {
      if (static_cast<char32_t>(points[at + k]) != what[k]) return false;
    }
    return true;
  };
  std::vector<std::string> words;
  std::size_t i = 0;
  const auto take = [&](std::size_t end) {
    icu::UnicodeString word;
    for (std::size_t k = i; k < end; ++k) word.append(points[k]);
    words.push_back(to_utf8(word));
    i = end;
  };
  while (i < points.size()) {
    const UChar32 c = points[i];
    const auto special = std::find_if(specials.begin(), specials.end(), [&](auto s) { return starts_with(i, s); });
    if (special != specials.end()) {
      take(i + special->size());
      continue;
    }
    const auto contraction =
        std::find_if(contractions.begin(), contractions.end(), [&](auto s) { return starts_with(i, s); });
    if (contraction != contractions.end()) {
      take(i + contraction->size());
    } else if (is_letter(c)) {
      std::size_t end = i;
      while (end < points.size() && is_letter(points[end])) ++end;
      take(end);
    } else if (is_number(c)) {
      take(i + 1);
    } else if (is_python_space(c)) {
      ++i;
    } else {
      std::size_t end = i;
      while (end < points.size() && !is_python_space(points[end]) && !is_letter(points[end]) && !is_number(points[end]))
        ++end;
      take(end);
    }
  }
  return words;
}

}  // namespace

std::string clean_prompt_text(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) throw Error(ErrorKind::internal, "ICU normalisation data is unavailable");

  std::vector<UChar32> points =
      code_points(icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))));
  points = fix_mojibake(unescape_html(points));
  icu::UnicodeString fixed;
  for (UChar32 c : points) {
    if (is_removed_control(c)) continue;
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) {
      fixed.append(static_cast<UChar32>('\''));
    } else if (c >= 0x201C && c <= 0x201F) {
      fixed.append(static_cast<UChar32>('"'));
    } else if ((c >= 0xFB00 && c <= 0xFB06) || c == 0x0132 || c == 0x0133) {
      fixed.append(nfkc->normalize(icu::UnicodeString(c), status));  // Latin ligatures: "ﬁ" → "fi"
    } else if ((c >= 0xFF01 && c <= 0xFFEF) || c == 0x3000) {
      fixed.append(nfkc->normalize(icu::UnicodeString(c), status));  // full- and half-width forms
    } else {
      fixed.append(c);
    }
  }
  const icu::UnicodeString normalized = nfc->normalize(fixed, status);
  if (U_FAILURE(status)) throw Error(ErrorKind::input, "prompt text cannot be normalised");

  std::vector<UChar32> collapsed;
  for (UChar32 c : code_points(normalized)) {
    if (is_python_space(c)) {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed.push_back(' ');
    } else {
      collapsed.push_back(c);
    }
  }
  if (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  icu::UnicodeString result = from_code_points(collapsed);
  result.toLower(icu::Locale::getRoot());
  return to_utf8(result);
}

ClipTokenizer::ClipTokenizer(std::unordered_map<std::string, std::int64_t> vocabulary,
                             std::unordered_map<std::string, int> merge_ranks)
    : vocabulary_(std::move(vocabulary)),
      merge_ranks_(std::move(merge_ranks)),
      byte_symbols_(make_byte_symbols(nullptr)) {}

ClipTokenizer ClipTokenizer::from_vocab_and_merges(const std::filesystem::path& vocab_json,
                                                   const std::filesystem::path& merges_txt) {
  std::unordered_map<std::string, std::int64_t> vocabulary;
  const std::string source = "tokenizer vocabulary " + vocab_json.string();
  const auto tokens = parse_config_json(read_file(vocab_json), source);
  if (!tokens.is_object()) throw Error(ErrorKind::input, source + " is not a JSON object of token → id");
  for (const auto& [token, id] : tokens.items()) {
    // Ids index the text encoder's embedding; TextEncoder checks them against its size.
    if (!id.is_number_unsigned() || id.get<std::uint64_t>() > max_token_id) {
      throw Error(ErrorKind::input, source + ": token '" + token + "' has id " + id.dump() +
                                        "; allowed: a whole number from 0 to " + std::to_string(max_token_id));
    }
    vocabulary[token] = id.get<std::int64_t>();
  }
  std::unordered_map<std::string, int> ranks;
  const auto lines = read_lines(read_file(merges_txt));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i].starts_with("#version")) continue;
    const auto [left, right] = split_merge(lines[i]);
    ranks.emplace(left + " " + right, static_cast<int>(ranks.size()));
  }
  return ClipTokenizer(std::move(vocabulary), std::move(ranks));
}

ClipTokenizer ClipTokenizer::from_gzipped_bpe(const std::filesystem::path& bpe_gz) {
  // The first line is a version comment; CLIP uses the next 49152 − 256 − 2 merges.
  constexpr std::size_t merge_count = 49152 - 256 - 2;
  const auto lines = read_lines(read_gzip(bpe_gz));
  if (lines.size() < merge_count + 1)
    throw Error(ErrorKind::input, bpe_gz.string() + " holds fewer merges than CLIP's vocabulary needs");
  std::vector<int> byte_order;
  const auto symbols = make_byte_symbols(&byte_order);
  std::vector<std::string> tokens;
  for (int b : byte_order) tokens.push_back(symbols[static_cast<std::size_t>(b)]);
  for (int b : byte_order) tokens.push_back(symbols[static_cast<std::size_t>(b)] + "</w>");
  std::unordered_map<std::string, int> ranks;
  for (std::size_t i = 1; i <= merge_count; ++i) {
    const auto [left, right] = split_merge(lines[i]);
    ranks.emplace(left + " " + right, static_cast<int>(i - 1));
    tokens.push_back(left + right);
  }
  tokens.emplace_back("<|startoftext|>");
  tokens.emplace_back("<|endoftext|>");
  std::unordered_map<std::string, std::int64_t> vocabulary;
  for (std::size_t id = 0; id < tokens.size(); ++id) vocabulary.emplace(tokens[id], static_cast<std::int64_t>(id));
  return ClipTokenizer(std::move(vocabulary), std::move(ranks));
}

std::vector<std::string> ClipTokenizer::bpe(const std::string& word) const {
  if (word == "<|startoftext|>" || word == "<|endoftext|>") return {word};
  std::vector<std::string> parts;
  for (unsigned char byte : word) parts.push_back(byte_symbols_[byte]);
  parts.back() += "</w>";
  while (parts.size() > 1) {
    int best_rank = INT_MAX;
    std::size_t best = 0;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      const auto found = merge_ranks_.find(parts[i] + " " + parts[i + 1]);
      if (found != merge_ranks_.end() && found->second < best_rank) {
        best_rank = found->second;
        best = i;
      }
    }
    if (best_rank == INT_MAX) break;
    const std::string left = parts[best];
    const std::string right = parts[best + 1];
    std::vector<std::string> merged;
    for (std::size_t i = 0; i < parts.size();) {
      if (i + 1 < parts.size() && parts[i] == left && parts[i + 1] == right) {
        merged.push_back(left + right);
        i += 2;
      } else {
        merged.push_back(parts[i++]);
      }
    }
    parts = std::move(merged);
  }
  return parts;
}

std::vector<std::string> ClipTokenizer::tokens(std::string_view text, std::int64_t pad_id) const {
  // Added tokens are cut out of the raw text first; each piece between them is cleaned on its own.
  const std::string_view added = pad_id == sd2_pad_id ? "!" : "";
  std::vector<std::string> result;
  while (true) {
    const std::size_t cut = added.empty() ? std::string_view::npos : text.find(added);
    const std::string_view piece = text.substr(0, cut);
    for (const auto& word : split_words(code_points(icu::UnicodeString::fromUTF8(clean_prompt_text(piece))))) {
      for (auto& part : bpe(word)) result.push_back(std::move(part));
    }
    if (cut == std::string_view::npos) break;
    result.emplace_back(added);
    text.remove_prefix(cut + added.size());
  }
  return result;
}

std::vector<std::int64_t> ClipTokenizer::encode(std::string_view text, std::int64_t pad_id) const {
  std::vector<std::int64_t> ids;
  for (const auto& token : tokens(text, pad_id)) {
    const auto found = vocabulary_.find(token);
    if (found == vocabulary_.end())
      throw Error(ErrorKind::input, "token '" + token + "' is not in the tokenizer vocabulary");
    ids.push_back(found->second);
  }
  return ids;
}

std::vector<std::int64_t> ClipTokenizer::window(std::string_view text, std::int64_t pad_id) const {
  auto ids = encode(text, pad_id);
  ids.resize(std::min(ids.size(), window_content));
  std::vector<std::int64_t> window{bos_id};
  window.insert(window.end(), ids.begin(), ids.end());
  window.push_back(eos_id);
  window.resize(window_size, pad_id);
  return window;
}

std::vector<std::vector<std::int64_t>> ClipTokenizer::windows(std::string_view text, std::int64_t pad_id) const {
  const auto ids = encode(text, pad_id);
  std::vector<std::vector<std::int64_t>> result;
  for (std::size_t start = 0; start == 0 || start < ids.size(); start += window_content) {
    const std::size_t end = std::min(ids.size(), start + window_content);
    std::vector<std::int64_t> window{bos_id};
    window.insert(window.end(), ids.begin() + static_cast<std::ptrdiff_t>(start),
                  ids.begin() + static_cast<std::ptrdiff_t>(end));
    window.push_back(eos_id);
    window.resize(window_size, pad_id);
    result.push_back(std::move(window));
  }
  return result;
}

}  // namespace easel::diffusion
