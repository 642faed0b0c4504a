// SDXL's text conditioning (easel/diffusion/sdxl_text.hpp) against ../shared/reference/sdxl: both
// tokenizers, both text encoders layer by layer, the pooled and projected embedding, the concatenated
// prompt embeds, the pipeline's encode_prompt with a negative prompt and for the refiner, and time ids.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "easel/diffusion/sdxl_single_file.hpp"
#include "easel/diffusion/sdxl_text.hpp"
#include "easel/model_files/model_config.hpp"
#include "golden.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

std::filesystem::path sdxl_reference() { return easel::test::reference_dir() / "sdxl"; }

// README: text encoder outputs, prompt embeds and pooled within 1e-5 rel-L2 and 1e-4 max-abs.
constexpr double rel_l2 = 1e-5;
constexpr double max_abs = 1e-4;

TextEncoder encoder(const std::string& folder) {
  const auto path = sdxl_reference() / "models" / "base" / folder;
  return TextEncoder(read_component(path / "model.safetensors"),
                     TextEncoderConfig::from_json_file(path / "config.json"));
}

SdxlTextEncoders base_encoders() {
  return SdxlTextEncoders(encoder("text_encoder"), encoder("text_encoder_2"),
                          sdxl_text_projection(read_component(sdxl_reference() / "models" / "base" / "text_encoder_2" /
                                                              "model.safetensors")));
}

const SafetensorsFile& goldens() {
  static const SafetensorsFile file(sdxl_reference() / "goldens" / "text_encoders.safetensors");
  return file;
}

ClipTokenizer tokenizer() {
  const auto folder = test::sd_reference() / "tokenizer";
  return ClipTokenizer::from_vocab_and_merges(folder / "vocab.json", folder / "merges.txt");
}

TEST(SdxlTokenizers, BothPaddingsGiveTheReferenceIds) {
  std::ifstream in(sdxl_reference() / "tokenizer" / "tokens.json");
  const auto tokens = nlohmann::json::parse(in);
  const ClipTokenizer clip = tokenizer();
  int compared = 0;
  for (const auto& entry : tokens["prompts"]) {
    const std::string prompt = entry["prompt"];
    EXPECT_EQ(clip.window(prompt, ClipTokenizer::sd1_pad_id), entry["ids_tokenizer"].get<std::vector<std::int64_t>>())
        << prompt;
    EXPECT_EQ(clip.window(prompt, ClipTokenizer::sd2_pad_id), entry["ids_tokenizer_2"].get<std::vector<std::int64_t>>())
        << prompt;
    ++compared;
  }
  EXPECT_GE(compared, 5);
}

TEST(SdxlTextEncoders, EveryLayerOfBothEncodersMatchesTheReference) {
  for (const auto& [name, folder] : {std::pair{"te1", "text_encoder"}, std::pair{"te2", "text_encoder_2"}}) {
    const TextEncoder network = encoder(folder);
    const at::Tensor ids = test::golden(goldens(), std::string(name) + ".input_ids");
    const std::vector<at::Tensor> states = network.hidden_states(ids);
    ASSERT_EQ(states.size(), 4u) << name;
    for (std::size_t i = 0; i < states.size(); ++i) {
      const std::string key = std::string(name) + ".hidden_states." + std::to_string(i);
      test::expect_close(states[i], test::golden(goldens(), key), rel_l2, max_abs, key);
    }
    test::expect_close(network.final_layer_norm(states.back()),
                       test::golden(goldens(), std::string(name) + ".last_hidden_state"), rel_l2, max_abs,
                       std::string(name) + ".last_hidden_state");
  }
}

TEST(SdxlTextEncoders, PooledProjectedAndConcatenatedEmbedsMatchTheReference) {
  const SdxlTextEncoders encoders = base_encoders();
  const at::Tensor big_g_ids = test::golden(goldens(), "te2.input_ids");
  const TextEncoder big_g = encoder("text_encoder_2");
  test::expect_close(pooled_state(big_g, big_g.hidden_states(big_g_ids), big_g_ids),
                     test::golden(goldens(), "te2.pooled_before_projection"), rel_l2, max_abs, "te2 pooled");
  const SdxlTextEmbedding embedding = encoders.encode_ids(test::golden(goldens(), "te1.input_ids"), big_g_ids);
  test::expect_close(embedding.pooled, test::golden(goldens(), "te2.text_embeds"), rel_l2, max_abs, "te2.text_embeds");
  test::expect_close(embedding.states, test::golden(goldens(), "sdxl.prompt_embeds"), rel_l2, max_abs,
                     "sdxl.prompt_embeds");
}

// The pipeline's encode_prompt("a photo of a cat", negative "blurry, low quality") from the prompt text.
TEST(SdxlTextEncoders, PromptsEncodeAsThePipelineEncodesThem) {
  const SdxlTextEncoders encoders = base_encoders();
  const ClipTokenizer clip = tokenizer();
  const SdxlTextEmbedding prompt = encoders.encode(clip, "a photo of a cat");
  const SdxlTextEmbedding negative = encoders.encode(clip, "blurry, low quality");
  const std::string run = "encode_prompt.neg_given.";
  test::expect_close(prompt.states, test::golden(goldens(), run + "prompt_embeds"), rel_l2, max_abs, run + "prompt");
  test::expect_close(prompt.pooled, test::golden(goldens(), run + "pooled_prompt_embeds"), rel_l2, max_abs,
                     run + "pooled");
  test::expect_close(negative.states, test::golden(goldens(), run + "negative_prompt_embeds"), rel_l2, max_abs,
                     run + "negative");
  test::expect_close(negative.pooled, test::golden(goldens(), run + "negative_pooled_prompt_embeds"), rel_l2, max_abs,
                     run + "negative pooled");
  // The base pipeline's positive embeds do not depend on the negative prompt.
  test::expect_close(prompt.states, test::golden(goldens(), "encode_prompt.neg_none.prompt_embeds"), rel_l2, max_abs,
                     "neg_none prompt");

  // The refiner has bigG alone; its negative None encodes "".
  const SdxlTextEncoders refiner(std::nullopt, encoder("text_encoder_2"),
                                 sdxl_text_projection(read_component(sdxl_reference() / "models" / "base" /
                                                                     "text_encoder_2" / "model.safetensors")));
  EXPECT_FALSE(refiner.has_clip_l());
  const SdxlTextEmbedding refined = refiner.encode(clip, "a photo of a cat");
  const SdxlTextEmbedding empty = refiner.encode(clip, "");
  test::expect_close(refined.states, test::golden(goldens(), "encode_prompt.refiner.prompt_embeds"), rel_l2, max_abs,
                     "refiner prompt");
  test::expect_close(refined.pooled, test::golden(goldens(), "encode_prompt.refiner.pooled_prompt_embeds"), rel_l2,
                     max_abs, "refiner pooled");
  test::expect_close(empty.states, test::golden(goldens(), "encode_prompt.refiner.negative_prompt_embeds"), rel_l2,
                     max_abs, "refiner negative");
}

// The single file holds the folder's weights bit for bit (README), renamed from the sgm / OpenCLIP
// layout: the same embeddings, bit for bit.
TEST(SdxlTextEncoders, TheSingleFileEncodesAsTheFolder) {
  SdxlSingleFileTextEncoders single =
      read_single_file_sdxl_text_encoders(sdxl_reference() / "models" / "sdxl_base.safetensors");
  ASSERT_TRUE(single.clip_l.has_value());
  ASSERT_TRUE(single.big_g.has_value());
  const auto config = [](const std::string& folder) {
    return TextEncoderConfig::from_json_file(sdxl_reference() / "models" / "base" / folder / "config.json");
  };
  const Linear projection = sdxl_text_projection(*single.big_g);
  const SdxlTextEncoders from_file(TextEncoder(*single.clip_l, config("text_encoder")),
                                   TextEncoder(*single.big_g, config("text_encoder_2")), projection);
  const at::Tensor clip_l_ids = test::golden(goldens(), "te1.input_ids");
  const at::Tensor big_g_ids = test::golden(goldens(), "te2.input_ids");
  const SdxlTextEmbedding folder = base_encoders().encode_ids(clip_l_ids, big_g_ids);
  const SdxlTextEmbedding file = from_file.encode_ids(clip_l_ids, big_g_ids);
  EXPECT_TRUE(at::equal(file.states, folder.states));
  EXPECT_TRUE(at::equal(file.pooled, folder.pooled));
  test::expect_error([] { read_single_file_sdxl_text_encoders(test::models() / "sd1.safetensors"); }, ErrorKind::input,
                     "holds no OpenCLIP text encoder");
}

TEST(SdxlTimeIds, MicroConditioningIsExact) {
  EXPECT_TRUE(at::equal(sdxl_time_ids(64, 64, 0, 0, 64, 64), test::golden(goldens(), "add_time_ids.base_64x64")));
  EXPECT_TRUE(
      at::equal(sdxl_time_ids(256, 384, 16, 32, 64, 96), test::golden(goldens(), "add_time_ids.base_microcond")));
  EXPECT_TRUE(
      at::equal(sdxl_aesthetic_time_ids(64, 64, 0, 0, 6.0), test::golden(goldens(), "add_time_ids.refiner_aesthetic")));
  EXPECT_TRUE(at::equal(sdxl_aesthetic_time_ids(64, 64, 0, 0, 2.5),
                        test::golden(goldens(), "add_time_ids.refiner_aesthetic.negative")));
}

TEST(SdxlTextEncoders, AProjectionOfAnotherWidthIsAnInputError) {
  test::expect_error(
      [] {
        SdxlTextEncoders(std::nullopt, encoder("text_encoder"),
                         sdxl_text_projection(read_component(sdxl_reference() / "models" / "base" / "text_encoder_2" /
                                                             "model.safetensors")));
      },
      ErrorKind::input, "text_projection takes 16-wide states");
}

}  // namespace
}  // namespace easel::diffusion
