// The UNet with SDXL's added conditioning (pooled text and micro-conditioning time ids) against
// ../shared/reference/sdxl: the base, refiner (5 aesthetic time ids, bigG-only context) and 9-channel
// inpainting UNets at four timesteps, per-sample timesteps, a batch of one and an odd latent size.
#include <gtest/gtest.h>

#include "easel/diffusion/unet.hpp"
#include "golden.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

// README: one UNet call within 2e-5 rel-L2 and 1e-4 max-abs.
constexpr double rel_l2 = 2e-5;
constexpr double max_abs = 1e-4;

std::filesystem::path sdxl_reference() { return easel::test::reference_dir() / "sdxl"; }

UNet sdxl_unet(const std::string& model) {
  const auto folder = sdxl_reference() / "models" / model / "unet";
  return UNet(read_component(folder / "diffusion_pytorch_model.safetensors"),
              UNetConfig::from_json_file(folder / "config.json"));
}

class SdxlUnet : public ::testing::TestWithParam<std::string> {};

TEST_P(SdxlUnet, MatchesTheReference) {
  const std::string model = GetParam();
  const SafetensorsFile golden(sdxl_reference() / "goldens" / ("unet_" + model + ".safetensors"));
  const auto tensor = [&](const std::string& name) { return test::golden(golden, name); };
  const UNet unet = sdxl_unet(model);
  EXPECT_TRUE(unet.takes_added_conditioning());
  const AddedConditioning added{tensor("text_embeds"), tensor("time_ids")};
  for (int i = 0; i < 4; ++i) {
    const std::string index = std::to_string(i);
    test::expect_close(
        unet.forward(tensor("sample"), tensor("timestep." + index), tensor("encoder_hidden_states"), added),
        tensor("out." + index), rel_l2, max_abs, model + " out." + index);
  }
  test::expect_close(
      unet.forward(tensor("sample"), tensor("timestep.per_sample"), tensor("encoder_hidden_states"), added),
      tensor("out.per_sample"), rel_l2, max_abs, model + " per-sample timesteps");
  const AddedConditioning second{tensor("text_embeds").slice(0, 1, 2), tensor("time_ids").slice(0, 1, 2)};
  test::expect_close(unet.forward(tensor("sample").slice(0, 1, 2), tensor("timestep.0"),
                                  tensor("encoder_hidden_states").slice(0, 1, 2), second),
                     tensor("out_batch1.0"), rel_l2, max_abs, model + " batch of one");
  const AddedConditioning first{tensor("text_embeds").slice(0, 0, 1), tensor("time_ids").slice(0, 0, 1)};
  test::expect_close(
      unet.forward(tensor("sample_odd"), tensor("timestep.1"), tensor("encoder_hidden_states").slice(0, 0, 1), first),
      tensor("out_odd.0"), rel_l2, max_abs, model + " odd size");
}

INSTANTIATE_TEST_SUITE_P(Models, SdxlUnet, ::testing::Values("base", "refiner", "inpaint"),
                         [](const auto& test_case) { return test_case.param; });

TEST(SdxlUnetErrors, TheAddedConditioningIsRequiredAndMustFit) {
  const UNet unet = sdxl_unet("base");
  const at::Tensor sample = at::zeros({1, 4, 8, 8});
  const at::Tensor context = at::zeros({1, 77, 28});
  test::expect_error([&] { unet.forward(sample, at::zeros({}), context); }, ErrorKind::input,
                     "needs the pooled text embedding and the time ids");
  test::expect_error(
      [&] {
        unet.forward(sample, at::zeros({}), context, {at::zeros({1, 12}), at::zeros({1, 5})});
      },
      ErrorKind::input, "'add_embedding.linear_1.weight' takes 60 inputs");
}

}  // namespace
}  // namespace easel::diffusion
