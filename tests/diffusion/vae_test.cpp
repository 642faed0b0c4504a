#include "easel/diffusion/vae.hpp"

#include <gtest/gtest.h>

#include "golden.hpp"

namespace easel::diffusion {
namespace {

// README tolerance for VAE encode mean/std and decode.
constexpr double rel_l2 = 1e-4;
constexpr double max_abs = 5e-4;

void expect_goldens(const Vae& vae, const std::string& label) {
  const SafetensorsFile golden(test::goldens() / "vae.safetensors");
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

}  // namespace
}  // namespace easel::diffusion
