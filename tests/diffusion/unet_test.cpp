#include "easel/diffusion/unet.hpp"

#include <gtest/gtest.h>

#include "easel/core/error.hpp"
#include "golden.hpp"

namespace easel::diffusion {
namespace {

// README tolerance for one UNet call.
constexpr double rel_l2 = 2e-5;
constexpr double max_abs = 1e-4;

struct UNetCase {
  std::string name;         // goldens/unet_<name>.safetensors, models/<name>/unet/
  std::string single_file;  // the same UNet in the original layout
  std::vector<std::int64_t> heads;
};

class UNetGolden : public ::testing::TestWithParam<UNetCase> {};

void expect_goldens(const UNet& unet, const SafetensorsFile& golden, const std::string& label) {
  const at::Tensor sample = test::golden(golden, "sample");
  const at::Tensor context = test::golden(golden, "encoder_hidden_states");
  for (int i = 0; i < 4; ++i) {
    const std::string index = std::to_string(i);
    test::expect_close(unet.forward(sample, test::golden(golden, "timestep." + index), context),
                       test::golden(golden, "out." + index), rel_l2, max_abs, label + " out." + index);
  }
  test::expect_close(unet.forward(sample, test::golden(golden, "timestep.per_sample"), context),
                     test::golden(golden, "out.per_sample"), rel_l2, max_abs, label + " out.per_sample");
  test::expect_close(
      unet.forward(test::golden(golden, "sample_odd"), test::golden(golden, "timestep.1"), context.slice(0, 0, 1)),
      test::golden(golden, "out_odd.0"), rel_l2, max_abs, label + " out_odd.0");
}

TEST_P(UNetGolden, BothLayoutsMatchTheReference) {
  const UNetCase& model = GetParam();
  const SafetensorsFile golden(test::goldens() / ("unet_" + model.name + ".safetensors"));
  const auto folder = test::models() / model.name / "unet";
  const UNet from_folder(read_component(folder / "diffusion_pytorch_model.safetensors"),
                         UNetConfig::from_json_file(folder / "config.json"));
  expect_goldens(from_folder, golden, model.name);

  // The single file carries no config: GroupNorm groups and head counts are given, as the README says.
  UNetConfig config;
  config.norm_groups = 8;
  config.heads_per_level = model.heads;
  const UNet from_single_file(read_single_file_unet(test::models() / model.single_file), config);
  const at::Tensor sample = test::golden(golden, "sample");
  const at::Tensor context = test::golden(golden, "encoder_hidden_states");
  const at::Tensor timestep = test::golden(golden, "timestep.3");
  EXPECT_TRUE(
      at::equal(from_single_file.forward(sample, timestep, context), from_folder.forward(sample, timestep, context)));
}

INSTANTIATE_TEST_SUITE_P(Models, UNetGolden,
                         ::testing::Values(UNetCase{"sd1", "sd1.safetensors", {4}},
                                           UNetCase{"sd2", "sd2.safetensors", {2, 4}},
                                           UNetCase{"inpaint", "inpaint_unet_only.safetensors", {4}},
                                           UNetCase{"ip2p", "ip2p_unet_only.safetensors", {4}}),
                         [](const auto& test_case) { return test_case.param.name; });

TEST(UNet, InconsistentWeightsNameTheTensor) {
  Weights weights = read_component(test::models() / "sd1" / "unet" / "diffusion_pytorch_model.safetensors");
  weights.add("down_blocks.0.resnets.1.norm1.bias", at::zeros({3}));
  try {
    UNet unet(weights, UNetConfig::from_json_file(test::models() / "sd1" / "unet" / "config.json"));
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::input);
    EXPECT_NE(std::string(error.what()).find("down_blocks.0.resnets.1.norm1.bias"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace easel::diffusion
