// `easel generate` with SDXL models, through the real binary: the seeded SDXL goldens from the seed
// alone (with SDXL's own default guidance), from the diffusers folder and the single file, SDXL-Turbo's,
// and the sizes a request that names none gets.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "model_folders.hpp"
#include "png_agreement.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {
namespace fs = std::filesystem;
using easel::test::run_easel;
using easel::test::temp_dir;

class SdxlCli : public ::testing::Test {
 protected:
  void SetUp() override { test::use_reference_tokenizer(); }
};

// README tolerance for seeded goldens: ≤ 1 LSB on ≤ 0.5 % of values.
void expect_matches_sdxl_golden(const fs::path& ours, const std::string& name) {
  const test::PixelAgreement agreement =
      test::compare_pngs(ours, test::sdxl_reference() / "goldens" / "seeded" / (name + ".png"));
  EXPECT_LE(agreement.worst, 1) << ours;
  EXPECT_LE(agreement.differing_fraction, 0.005) << ours;
}

nlohmann::json report_settings(const fs::path& report) {
  std::ifstream in(report);
  return nlohmann::json::parse(in)["generate"];
}

// No --cfg: SDXL's default guidance is diffusers' 5, which the golden was made with.
TEST_F(SdxlCli, SeedAloneReproducesTheSdxlGoldenFromTheFolderAndTheSingleFile) {
  for (const fs::path& model : {test::sdxl_model_folder("base"), test::sdxl_single_file("sdxl_base")}) {
    const fs::path folder = temp_dir();
    const auto run = run_easel({"generate", "-p", "a red bicycle leaning on a brick wall", "-o",
                                (folder / "bicycle.png").string(), "--model", model.string(), "--size", "64x64",
                                "--steps", "8", "--seed", "1234", "--report", (folder / "report.json").string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    expect_matches_sdxl_golden(folder / "bicycle.png", "xl_t2i_euler_g5_s8_seed1234");
    EXPECT_EQ(report_settings(folder / "report.json")["cfg"], 5.0) << model;
  }
}

TEST_F(SdxlCli, SeedAloneReproducesTheSdxlTurboGolden) {
  const fs::path out = temp_dir() / "coffee.png";
  const auto run = run_easel({"generate", "-p", "a cup of coffee on a wooden table", "-o", out.string(), "--model",
                              test::sdxl_model_folder("turbo").string(), "--size", "64x64", "--steps", "1", "--cfg",
                              "0", "--seed", "42"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_matches_sdxl_golden(out, "xlturbo_t2i_eulera_trailing_g0_s1_seed42");
}

// Without --size a model generates at its native size: SDXL about 1024² (at the aspect asked for),
// SDXL-Turbo 512².
TEST_F(SdxlCli, ASizeLeftToTheModelIsItsNativeSize) {
  const auto generated_size = [](const fs::path& model, const std::string& aspect) {
    const fs::path folder = temp_dir();
    const auto run = run_easel({"generate", "-p", "a lighthouse", "-o", (folder / "out.png").string(), "--model",
                                model.string(), "--aspect", aspect, "--steps", "1", "--cfg", "0", "--seed", "5",
                                "--report", (folder / "report.json").string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return report_settings(folder / "report.json")["size"].get<std::string>();
  };
  EXPECT_EQ(generated_size(test::sdxl_model_folder("base"), "square"), "1024x1024");
  EXPECT_EQ(generated_size(test::sdxl_model_folder("base"), "16:9"), "1344x768");
  EXPECT_EQ(generated_size(test::sdxl_model_folder("turbo"), "square"), "512x512");
  EXPECT_EQ(generated_size(test::models() / "sd1", "square"), "512x512");
}

}  // namespace
}  // namespace easel::diffusion
