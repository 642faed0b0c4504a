#include "easel/diffusion/text_encoder.hpp"

#include <gtest/gtest.h>

#include "golden.hpp"

namespace easel::diffusion {
namespace {

// README tolerance for text encoder outputs.
constexpr double rel_l2 = 1e-5;
constexpr double max_abs = 1e-4;

TEST(TextEncoder, Sd1MatchesEveryLayerAndClipSkip) {
  const SafetensorsFile golden(test::goldens() / "text_encoders.safetensors");
  const TextEncoder encoder(read_component(test::models() / "sd1" / "text_encoder" / "model.safetensors"),
                            TextEncoderConfig::from_json_file(test::models() / "sd1" / "text_encoder" / "config.json"));
  const at::Tensor ids = test::golden(golden, "sd1.input_ids");
  const auto states = encoder.hidden_states(ids);
  ASSERT_EQ(states.size(), 4u);
  for (std::size_t i = 0; i < states.size(); ++i) {
    const std::string name = "sd1.hidden_states." + std::to_string(i);
    test::expect_close(states[i], test::golden(golden, name), rel_l2, max_abs, name);
  }
  test::expect_close(encoder.encode(ids), test::golden(golden, "sd1.last_hidden_state"), rel_l2, max_abs,
                     "sd1.last_hidden_state");
  test::expect_close(encoder.encode(ids, 1), test::golden(golden, "sd1.penultimate_final_ln"), rel_l2, max_abs,
                     "sd1.penultimate_final_ln");
}

TEST(TextEncoder, Sd2DiffusersFolderMatches) {
  const SafetensorsFile golden(test::goldens() / "text_encoders.safetensors");
  const TextEncoder encoder(read_component(test::models() / "sd2" / "text_encoder" / "model.safetensors"),
                            TextEncoderConfig::from_json_file(test::models() / "sd2" / "text_encoder" / "config.json"));
  test::expect_close(encoder.encode(test::golden(golden, "sd2.input_ids")),
                     test::golden(golden, "sd2.last_hidden_state"), rel_l2, max_abs, "sd2.last_hidden_state");
}

TEST(TextEncoder, SingleFilesGiveTheFolderOutputs) {
  const SafetensorsFile golden(test::goldens() / "text_encoders.safetensors");
  const TextEncoder sd1(read_single_file_text_encoder(test::models() / "sd1.safetensors"),
                        {4, Activation::quick_gelu, 1e-5});
  const TextEncoder sd1_folder(read_component(test::models() / "sd1" / "text_encoder" / "model.safetensors"),
                               {4, Activation::quick_gelu, 1e-5});
  const at::Tensor sd1_ids = test::golden(golden, "sd1.input_ids");
  EXPECT_TRUE(at::equal(sd1.encode(sd1_ids), sd1_folder.encode(sd1_ids)));

  // The OpenCLIP file holds all 3 layers; the loader drops the last, as SD2 conditions on the penultimate.
  const TextEncoder sd2(read_single_file_text_encoder(test::models() / "sd2.safetensors"), {2, Activation::gelu, 1e-5});
  const TextEncoder sd2_folder(read_component(test::models() / "sd2" / "text_encoder" / "model.safetensors"),
                               {2, Activation::gelu, 1e-5});
  EXPECT_EQ(sd2.layer_count(), 2u);
  const at::Tensor sd2_ids = test::golden(golden, "sd2.input_ids");
  EXPECT_TRUE(at::equal(sd2.encode(sd2_ids), sd2_folder.encode(sd2_ids)));
  test::expect_close(sd2.encode(sd2_ids), test::golden(golden, "sd2full.penultimate_final_ln"), rel_l2, max_abs,
                     "sd2full.penultimate_final_ln");
}

}  // namespace
}  // namespace easel::diffusion
