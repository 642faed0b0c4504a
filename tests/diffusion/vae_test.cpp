#include "easel/diffusion/vae.hpp"

#include <gtest/gtest.h>

#include "golden.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

// README tolerance for VAE encode mean/std and decode.
constexpr double rel_l2 = 1e-4;
constexpr double max_abs = 5e-4;

// The VAE goldens of ../shared/reference/sd, or of another reference set (sdxl).
void expect_goldens(const Vae& vae, const std::string& label,
                    const std::filesystem::path& goldens = test::goldens() / "vae.safetensors") {
  const SafetensorsFile golden(goldens);
  const auto distribution = vae.encode(test::golden(golden, "image"));
  test::expect_close(distribution.mean, test::golden(golden, "latent_dist.mean"), rel_l2, max_abs,
                     label + " latent_dist.mean");
  test::expect_close(distribution.std, test::golden(golden, "latent_dist.std"), rel_l2, max_abs,
                     label + " latent_dist.std");
  test::expect_close(distribution.logvar, test::golden(golden, "latent_dist.logvar"), rel_l2, max_abs,
                     label + " latent_dist.logvar");
  test::expect_close(vae.decode(test::golden(golden, "latent_dist.mean")), test::golden(golden, "decode(mean)"), rel_l2,
                     max_abs, label + " decode(mean)");
  test::expect_close(vae.decode(test::golden(golden, "z")), test::golden(golden, "decode(z)"), rel_l2, max_abs,
                     label + " decode(z)");
}

TEST(Vae, DiffusersFolderMatchesTheReference) {
  const auto folder = test::models() / "sd1" / "vae";
  const Vae vae(read_component(folder / "diffusion_pytorch_model.safetensors"),
                VaeConfig::from_json_file(folder / "config.json"));
  EXPECT_DOUBLE_EQ(vae.scaling_factor(), 0.18215);
  expect_goldens(vae, "folder");
}

TEST(Vae, SingleFilesMatchTheReference) {
  for (const char* file : {"sd1.safetensors", "sd2.safetensors"}) {
    const Vae vae(read_single_file_vae(test::models() / file), VaeConfig{8, 0.18215});
    expect_goldens(vae, file);
  }
}

// SDXL's VAE has SD's structure and scales latents by 0.13025 (its config's force_upcast matters only for
// float16 weights, which Easel widens to float32 or bfloat16 at load anyway).
TEST(Vae, SdxlFolderAndSingleFileMatchTheReference) {
  const auto sdxl = easel::test::reference_dir() / "sdxl";
  const auto folder = sdxl / "models" / "base" / "vae";
  const VaeConfig config = VaeConfig::from_json_file(folder / "config.json");
  const Vae vae(read_component(folder / "diffusion_pytorch_model.safetensors"), config);
  EXPECT_DOUBLE_EQ(vae.scaling_factor(), 0.13025);
  expect_goldens(vae, "sdxl folder", sdxl / "goldens" / "vae.safetensors");
  const Vae single(read_single_file_vae(sdxl / "models" / "sdxl_base.safetensors"), config);
  expect_goldens(single, "sdxl single file", sdxl / "goldens" / "vae.safetensors");
}

}  // namespace
}  // namespace easel::diffusion
