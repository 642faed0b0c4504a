// Single-file checkpoints through the real binary (issue 16): without the sidecar their tiny networks
// need, a one-line error naming it (the process used to die of SIGFPE); with it, the seeded goldens;
// UNet-only files completed by the base an option or their sidecar names.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "golden.hpp"
#include "model_folders.hpp"
#include "png_agreement.hpp"
#include "support/reference_models.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {
namespace fs = std::filesystem;
using easel::test::install_single_file;
using easel::test::run_easel;
using easel::test::temp_dir;
using nlohmann::json;

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

using test::expect_matches_golden;  // the README's tolerance

const std::vector<std::string> sd1_golden_settings = {"-p",        "a red bicycle leaning on a brick wall",
                                                      "--size",    "64x64",
                                                      "--steps",   "8",
                                                      "--cfg",     "7.5",
                                                      "--sampler", "euler",
                                                      "--seed",    "1234"};

std::vector<std::string> generate(const std::string& model, const fs::path& out,
                                  std::vector<std::string> extra = sd1_golden_settings) {
  std::vector<std::string> args = {"generate", "--model", model, "-o", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

class SingleFileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::use_reference_tokenizer();
    models_ = temp_dir() / "models";
    fs::create_directories(models_);
    ::setenv("EASEL_MODELS", models_.c_str(), 1);
  }
  void TearDown() override { ::unsetenv("EASEL_MODELS"); }

  fs::path models_;
};

// The repro of issue 16: `easel generate … --model …/sd1.safetensors` exited 136 (SIGFPE).
TEST_F(SingleFileCli, AFileWithoutTheSidecarItNeedsIsAOneLineErrorNotASignal) {
  for (const std::string reference : {"sd1", "sd2"}) {
    const fs::path out = temp_dir() / "a.png";
    const auto run =
        run_easel({"generate", "-p", "x", "--model", (test::models() / (reference + ".safetensors")).string(), "--size",
                   "64x64", "-o", out.string()});
    EXPECT_EQ(run.exit_code, 5) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find(reference + ".easel.json"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("text_encoder.num_attention_heads"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(out));
  }
}

TEST_F(SingleFileCli, WithTheirSidecarsTheSingleFilesReproduceTheSeededGoldens) {
  install_single_file(models_, "sd1", "tiny-sd1");
  const fs::path bicycle = temp_dir() / "bicycle.png";
  const fs::path report = temp_dir() / "bicycle.json";
  std::vector<std::string> args = generate("tiny-sd1", bicycle);
  args.insert(args.end(), {"--report", report.string()});
  const auto run = run_easel(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_matches_golden(bicycle, "sd1_t2i_euler_g7.5_s8_seed1234");
  EXPECT_EQ(read_json(report)["generate"]["model"], (models_ / "tiny-sd1.safetensors").string());

  // SD-Turbo's trailing single step, from the sidecar's scheduler section.
  install_single_file(
      models_, "sd2", "tiny-turbo",
      {{"scheduler", read_json(test::models() / "sd2" / "scheduler_variants" / "euler_epsilon_trailing_turbo.json")}});
  const fs::path coffee = temp_dir() / "coffee.png";
  const auto turbo = run_easel(generate(
      "tiny-turbo", coffee,
      {"-p", "a cup of coffee on a wooden table", "--size", "64x64", "--steps", "1", "--cfg", "0", "--seed", "42"}));
  ASSERT_EQ(turbo.exit_code, 0) << turbo.err;
  expect_matches_golden(coffee, "sd2turbo_t2i_euler_trailing_g0_s1_seed42");
}

TEST_F(SingleFileCli, AUnetOnlyFileRunsWithTheBaseAnOptionOrItsSidecarNames) {
  install_single_file(models_, "sd1", "tiny-sd1");
  install_single_file(models_, "sd2", "tiny-sd2");
  easel::test::install_unet_only(models_, "sd1", "sd1-unet");
  const fs::path out = temp_dir() / "bicycle.png";

  const auto alone = run_easel(generate("sd1-unet", out));
  EXPECT_EQ(alone.exit_code, 5) << alone.err;
  EXPECT_NE(alone.err.find("holds no text encoder"), std::string::npos) << alone.err;
  EXPECT_NE(alone.err.find("sd1-unet.easel.json"), std::string::npos) << alone.err;
  EXPECT_NE(alone.err.find("--base"), std::string::npos) << alone.err;
  EXPECT_FALSE(fs::exists(out));

  std::vector<std::string> with_base = generate("sd1-unet", out);
  const fs::path report = temp_dir() / "report.json";
  with_base.insert(with_base.end(), {"--base", "tiny-sd1", "--report", report.string()});
  const auto based = run_easel(with_base);
  ASSERT_EQ(based.exit_code, 0) << based.err;
  expect_matches_golden(out, "sd1_t2i_euler_g7.5_s8_seed1234");
  EXPECT_EQ(read_json(report)["generate"]["base"], (models_ / "tiny-sd1.safetensors").string());

  std::vector<std::string> other_family = generate("sd1-unet", temp_dir() / "never.png");
  other_family.insert(other_family.end(), {"--base", "tiny-sd2"});
  const auto mismatched = run_easel(other_family);
  EXPECT_EQ(mismatched.exit_code, 3) << mismatched.err;
  EXPECT_NE(mismatched.err.find("takes 32-wide text, but the text encoder of"), std::string::npos) << mismatched.err;

  // The sidecar names the base: no option needed.
  easel::test::install_unet_only(models_, "sd1", "sd1-unet-based", {{"base", "tiny-sd1"}});
  const fs::path again = temp_dir() / "again.png";
  const auto from_sidecar = run_easel(generate("sd1-unet-based", again));
  ASSERT_EQ(from_sidecar.exit_code, 0) << from_sidecar.err;
  expect_matches_golden(again, "sd1_t2i_euler_g7.5_s8_seed1234");
  easel::test::install_unet_only(models_, "sd1", "sd1-unet-lost", {{"base", "no-such-base"}});
  const auto lost = run_easel(generate("sd1-unet-lost", temp_dir() / "never.png"));
  EXPECT_EQ(lost.exit_code, 5) << lost.err;
  EXPECT_NE(lost.err.find("the base \"no-such-base\" that"), std::string::npos) << lost.err;
}

// The reference's UNet-only inpainting file, its base named in its sidecar, serves a generative edit.
TEST_F(SingleFileCli, AGenerativeEditRunsWithAUnetOnlyInpaintingFileAndItsBase) {
  install_single_file(models_, "sd1", "tiny-sd1");
  install_single_file(models_, "inpaint_unet_only", "tiny-inpaint", {{"base", "tiny-sd1"}});
  const fs::path plan = temp_dir() / "replace.json";
  std::ofstream(plan) << R"({"steps": [{"op": "object.replace", "target": {"box": [0.3, 0.3, 0.4, 0.35], "feather": 6},
                                       "params": {"prompt": "a bowl of oranges", "steps": 2, "working_size": 128}}]})";
  const fs::path out = temp_dir() / "replaced.png";
  const fs::path report = temp_dir() / "replaced.json";
  const auto run = run_easel({"edit", easel::test::photo("coffee.png").string(), "--plan-file", plan.string(), "-o",
                              out.string(), "--report", report.string(), "--model", "tiny-inpaint", "--seed", "5"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(read_json(report)["verification"]["preservation"]["changed_pixels_outside"], 0);
}

}  // namespace
}  // namespace easel::diffusion
