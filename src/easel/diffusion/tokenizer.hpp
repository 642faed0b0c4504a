#pragma once
// CLIP's byte-level BPE tokenizer with the text clean-up of the reference pipelines (ftfy's fixes,
// whitespace collapse, lower-casing), producing the 77-id windows the SD text encoders take.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace easel::diffusion {

// What ftfy.fix_text does to a prompt (HTML entities, mojibake, ligatures, full-width forms, curly
// quotes, control characters, NFC), then whitespace collapse and lower-casing.
std::string clean_prompt_text(std::string_view text);

class ClipTokenizer {
 public:
  static constexpr std::int64_t bos_id = 49406;
  static constexpr std::int64_t eos_id = 49407;
  static constexpr std::int64_t sd1_pad_id = 49407;
  static constexpr std::int64_t sd2_pad_id = 0;  // "!" (SD2.x / SD-Turbo tokenizers)
  static constexpr std::size_t window_size = 77;
  static constexpr std::size_t window_content = window_size - 2;

  // The Hugging Face files: vocab.json (token → id) and merges.txt (ranked pairs).
  static ClipTokenizer from_vocab_and_merges(const std::filesystem::path& vocab_json,
                                             const std::filesystem::path& merges_txt);
  // openai/CLIP's bpe_simple_vocab_16e6.txt.gz, from which the same vocabulary is derived.
  static ClipTokenizer from_gzipped_bpe(const std::filesystem::path& bpe_gz);

  // BPE strings of the cleaned text (without BOS/EOS), e.g. "photo</w>". SD2's pad token "!" is an
  // added token of its tokenizer, so with `pad_id` 0 every "!" in the text is split out as id 0.
  std::vector<std::string> tokens(std::string_view text, std::int64_t pad_id = sd1_pad_id) const;
  // BPE ids of the cleaned text, without BOS/EOS.
  std::vector<std::int64_t> encode(std::string_view text, std::int64_t pad_id = sd1_pad_id) const;
  // One window: BOS, the first 75 ids, EOS, then `pad_id` up to 77 (longer prompts are truncated).
  std::vector<std::int64_t> window(std::string_view text, std::int64_t pad_id) const;
  // Long prompts the way common tools handle them: the ids cut into chunks of 75, each wrapped as a
  // window; the encoder states of the windows are concatenated. At least one window.
  std::vector<std::vector<std::int64_t>> windows(std::string_view text, std::int64_t pad_id) const;

 private:
  ClipTokenizer(std::unordered_map<std::string, std::int64_t> vocabulary,
                std::unordered_map<std::string, int> merge_ranks);
  std::vector<std::string> bpe(const std::string& word) const;

  std::unordered_map<std::string, std::int64_t> vocabulary_;
  std::unordered_map<std::string, int> merge_ranks_;  // "left right" → rank
  std::vector<std::string> byte_symbols_;             // byte → its printable stand-in (UTF-8)
};

}  // namespace easel::diffusion
