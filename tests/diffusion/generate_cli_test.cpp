// `easel generate` and the generative side of `easel edit`, through the real binary: the seed-based
// goldens reproduced from the seed alone, outputs, metadata, reports and bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "easel/image/codec.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "png_agreement.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {
namespace fs = std::filesystem;
using easel::test::run_easel;
using easel::test::temp_dir;
using test::compare_pngs;
using test::expect_matches_golden;
using test::PixelAgreement;

class GenerateCli : public ::testing::Test {
 protected:
  void SetUp() override { test::use_reference_tokenizer(); }
};

// OMP_THREAD_LIMIT=1 (what docs/typography.md advises for Tesseract) caps OpenMP teams at one thread.
// The engine used to ask LibTorch for every hardware thread anyway, and oneDNN then left parts of some
// products unwritten: the seeded golden came out flat. It must still be the golden.
TEST_F(GenerateCli, AnOpenMpThreadLimitStillGivesTheGolden) {
  const fs::path out = temp_dir() / "bicycle-one-thread.png";
  ::setenv("OMP_THREAD_LIMIT", "1", 1);
  ::unsetenv("EASEL_THREADS");
  const auto run = run_easel({"generate", "-p", "a red bicycle leaning on a brick wall", "-o", out.string(), "--model",
                              (test::models() / "sd1").string(), "--size", "64x64", "--steps", "8", "--cfg", "7.5",
                              "--sampler", "euler", "--seed", "1234"});
  ::unsetenv("OMP_THREAD_LIMIT");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_matches_golden(out, "sd1_t2i_euler_g7.5_s8_seed1234");
}

TEST_F(GenerateCli, SeedAloneReproducesTheSd1Golden) {
  const fs::path out = temp_dir() / "bicycle.png";
  const auto run = run_easel({"generate", "-p", "a red bicycle leaning on a brick wall", "-o", out.string(), "--model",
                              (test::models() / "sd1").string(), "--size", "64x64", "--steps", "8", "--cfg", "7.5",
                              "--sampler", "euler", "--seed", "1234"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("seed 1234"), std::string::npos) << run.out;
  expect_matches_golden(out, "sd1_t2i_euler_g7.5_s8_seed1234");

  // The output says it is wholly generated and how it was made.
  const auto metadata = read_output_metadata(read_file_bytes(out));
  EXPECT_EQ(metadata.source_type, DigitalSourceType::trained_algorithmic_media);
  const auto settings = nlohmann::json::parse(metadata.plan_json)["generate"];
  EXPECT_EQ(settings["seed"], 1234);
  EXPECT_EQ(settings["steps"], 8);
  EXPECT_EQ(settings["sampler"], "euler");
  EXPECT_EQ(settings["prompt"], "a red bicycle leaning on a brick wall");
}

TEST_F(GenerateCli, AnOptimizedPromptIsShownRecordedAndKeepsQuotedTextExact) {
  const fs::path out = temp_dir() / "bag.png";
  const std::string prompt = "a coffee bag with the words \"Morning Blend\"";
  const auto run = run_easel({"generate", "-p", prompt, "--optimize-prompt", "-o", out.string(), "--model",
                              (test::models() / "sd1").string(), "--size", "64x64", "--steps", "2", "--seed", "7"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::size_t shown = run.err.find("revised prompt: ");
  ASSERT_NE(shown, std::string::npos) << run.err;
  const auto settings = nlohmann::json::parse(read_output_metadata(read_file_bytes(out)).plan_json)["generate"];
  EXPECT_EQ(settings["prompt"], prompt);
  const std::string revised = settings["revised_prompt"].get<std::string>();
  EXPECT_GT(revised.size(), prompt.size());
  EXPECT_NE(revised.find("\"Morning Blend\""), std::string::npos) << revised;
  EXPECT_NE(run.err.find(revised), std::string::npos) << run.err;
  EXPECT_FALSE(settings["negative"].get<std::string>().empty());
}

TEST_F(GenerateCli, SeedAloneReproducesTheTurboGolden) {
  const fs::path out = temp_dir() / "coffee.png";
  const auto run =
      run_easel({"generate", "-p", "a cup of coffee on a wooden table", "-o", out.string(), "--model",
                 test::turbo_model_folder().string(), "--size", "64x64", "--steps", "1", "--cfg", "0", "--seed", "42"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_matches_golden(out, "sd2turbo_t2i_euler_trailing_g0_s1_seed42");
}

TEST_F(GenerateCli, SeveralImagesAreOneBatchWhoseFirstIsTheSingleImage) {
  const fs::path folder = temp_dir();
  const fs::path out = folder / "batch.png";
  const fs::path report = folder / "batch.json";
  const auto run = run_easel({"generate", "-p", "a red bicycle leaning on a brick wall", "-o", out.string(), "--model",
                              (test::models() / "sd1").string(), "--size", "64x64", "--steps", "8", "--seed", "1234",
                              "-n", "2", "--report", report.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(fs::exists(out));
  // diffusers draws n images as one (n, 4, h, w) tensor, whose first image is the seed's single image.
  expect_matches_golden(folder / "batch-1.png", "sd1_t2i_euler_g7.5_s8_seed1234");
  const PixelAgreement second = compare_pngs(folder / "batch-2.png", folder / "batch-1.png");
  EXPECT_GT(second.worst, 10) << "the second image is a different picture";
  std::ifstream in(report);
  const auto json = nlohmann::json::parse(in);
  EXPECT_EQ(json["outputs"].size(), 2u);
  EXPECT_EQ(json["generate"]["sampler"], "euler") << "the model's own scheduler (EulerDiscreteScheduler)";
}

// --timings prints every stage; the report always has them, each stage inside the whole generation.
TEST_F(GenerateCli, TimingsListEveryStageAndTheMemoryPeak) {
  const fs::path folder = temp_dir();
  const fs::path report = folder / "timed.json";
  const auto run = run_easel({"generate", "-p", "a photo of a cat", "-o", (folder / "timed.png").string(), "--model",
                              (test::models() / "sd1").string(), "--size", "64x64", "--steps", "3", "--seed", "1",
                              "--timings", "--report", report.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* stage : {"load", "conditioning", "step 1", "step 3", "per step", "decode", "postprocess", "encode",
                            "first step at", "total", "peak RSS"})
    EXPECT_NE(run.err.find(stage), std::string::npos) << stage << " in\n" << run.err;
  std::ifstream in(report);
  const auto json = nlohmann::json::parse(in);
  const auto& timings = json["timings_ms"];
  ASSERT_EQ(timings["steps"].size(), 3u) << timings.dump();
  double stages = 0;
  for (const char* stage : {"load", "conditioning", "decode", "postprocess"}) {
    EXPECT_GT(timings[stage].get<double>(), 0) << stage;
    stages += timings[stage].get<double>();
  }
  for (const auto& step : timings["steps"]) {
    EXPECT_GT(step.get<double>(), 0);
    stages += step.get<double>();
  }
  EXPECT_LE(stages, timings["generate"].get<double>()) << "the stages lie inside the generation";
  EXPECT_GE(timings["first_step"].get<double>(), timings["load"].get<double>() + timings["steps"][0].get<double>());
  EXPECT_GT(timings["encode"].get<double>(), 0);
  EXPECT_GT(json["peak_rss_mib"].get<int>(), 0);

  const auto quiet = run_easel({"generate", "-p", "a photo of a cat", "-o", (folder / "quiet.png").string(), "--model",
                                (test::models() / "sd1").string(), "--size", "64x64", "--steps", "1"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("timings:"), std::string::npos) << "only with --timings";
}

TEST_F(GenerateCli, ImageToImageKeepsTheInitialImageSizeAndFollowsTheSeed) {
  const fs::path init = test::goldens() / "pipelines" / "input_image.png";
  const auto generate = [&](const std::string& seed, const fs::path& out) {
    return run_easel({"generate", "-p", "a photo of a cat", "-o", out.string(), "--model",
                      (test::models() / "sd1").string(), "--init", init.string(), "--strength", "0.6", "--steps", "5",
                      "--seed", seed});
  };
  const fs::path folder = temp_dir();
  const fs::path first = folder / "i2i-a.png";
  const fs::path again = folder / "i2i-b.png";
  const fs::path other = folder / "i2i-c.png";
  ASSERT_EQ(generate("7", first).exit_code, 0);
  ASSERT_EQ(generate("7", again).exit_code, 0);
  ASSERT_EQ(generate("8", other).exit_code, 0);
  const cv::Mat image = cv::imread(first.string());
  EXPECT_EQ(image.cols, 80);
  EXPECT_EQ(image.rows, 48);
  EXPECT_EQ(compare_pngs(again, first).worst, 0) << "same seed, same image";
  EXPECT_GT(compare_pngs(other, first).worst, 0) << "another seed, another image";
}

TEST_F(GenerateCli, BadSettingsFailWithAReasonAndNoOutput) {
  const fs::path out = temp_dir() / "never.png";
  const std::string sd1 = (test::models() / "sd1").string();
  const auto odd_size = run_easel({"generate", "-p", "x", "-o", out.string(), "--model", sd1, "--size", "60x64"});
  EXPECT_EQ(odd_size.exit_code, 2);
  EXPECT_NE(odd_size.err.find("multiples of 8"), std::string::npos) << odd_size.err;

  const auto no_model = run_easel({"generate", "-p", "x", "-o", out.string(), "--model", "no-such-model-here"});
  EXPECT_EQ(no_model.exit_code, 5) << no_model.err;
  EXPECT_NE(no_model.err.find("no-such-model-here"), std::string::npos) << no_model.err;
  EXPECT_NE(no_model.err.find("easel models pull"), std::string::npos) << no_model.err;

  const auto strength_alone =
      run_easel({"generate", "-p", "x", "-o", out.string(), "--model", sd1, "--strength", "0.5"});
  EXPECT_EQ(strength_alone.exit_code, 2) << strength_alone.err;

  const auto inpaint_unet = run_easel(
      {"generate", "-p", "x", "-o", out.string(), "--model", test::inpaint_model_folder().string(), "--size", "64x64"});
  EXPECT_EQ(inpaint_unet.exit_code, 2) << inpaint_unet.err;
  EXPECT_NE(inpaint_unet.err.find("9-channel inpainting UNet"), std::string::npos) << inpaint_unet.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(GenerateCli, AMissingTokenizerNamesTheFilesAndWhereToPutThem) {
  const fs::path empty = temp_dir() / "no-tokenizer";
  fs::create_directories(empty);
  ::setenv("EASEL_TOKENIZER", empty.c_str(), 1);
  const fs::path out = temp_dir() / "never.png";
  const auto run = run_easel(
      {"generate", "-p", "x", "-o", out.string(), "--model", (test::models() / "sd1").string(), "--size", "64x64"});
  EXPECT_EQ(run.exit_code, 5) << run.err;
  EXPECT_NE(run.err.find("vocab.json + merges.txt"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("EASEL_TOKENIZER"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(out));
}

// object.replace through `easel edit --model --seed`: the report proves nothing outside the region
// moved, measures the seam, and the plan records the seed so the edit is reproducible.
TEST_F(GenerateCli, EditReplacesAnObjectOnlyInsideItsRegion) {
  const fs::path plan = temp_dir() / "replace.json";
  std::ofstream(plan) << R"({"steps": [{"op": "object.replace", "target": {"box": [0.3, 0.3, 0.4, 0.35], "feather": 6},
                                       "params": {"prompt": "a bowl of oranges", "steps": 3, "working_size": 128}}]})";
  const auto edit = [&](const fs::path& out, const fs::path& report) {
    return run_easel({"edit", easel::test::photo("coffee.png").string(), "--plan-file", plan.string(), "-o",
                      out.string(), "--report", report.string(), "--model", test::inpaint_model_folder().string(),
                      "--seed", "5"});
  };
  const fs::path folder = temp_dir();
  const fs::path out = folder / "replaced.png";
  const fs::path report_path = folder / "replaced.json";
  const auto run = edit(out, report_path);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(report_path);
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["verification"]["preservation"]["changed_pixels_outside"], 0);
  const auto& seam = report["verification"]["seam"];
  ASSERT_TRUE(seam.is_object()) << report.dump(2);
  EXPECT_GT(seam["boundary_pairs"].get<long long>(), 100);
  std::printf("  seam of object.replace: result step %.2f, source step %.2f (0..255)\n",
              seam["result_step"].get<double>(), seam["source_step"].get<double>());
  EXPECT_EQ(report["plan"]["steps"][0]["params"]["seed"], 5);

  const fs::path again = folder / "replaced-again.png";
  ASSERT_EQ(edit(again, folder / "again.json").exit_code, 0);
  EXPECT_EQ(compare_pngs(again, out).worst, 0) << "the same seed repaints the same pixels";
}

// --model reaches every op that declares a model, so object.remove's auto filler turns generative; the
// report's step names the diffusion model that ran.
TEST_F(GenerateCli, EditModelReachesObjectRemoveAndTheReportNamesTheModel) {
  const fs::path plan = temp_dir() / "remove.json";
  std::ofstream(plan)
      << R"({"steps": [{"op": "object.remove", "target": {"box": [0.4, 0.4, 0.2, 0.2]}, "params": {"steps": 2, "working_size": 128}}]})";
  const fs::path out = temp_dir() / "removed.png";
  const fs::path report_path = temp_dir() / "removed.json";
  const auto run =
      run_easel({"edit", easel::test::photo("coffee.png").string(), "--plan-file", plan.string(), "-o", out.string(),
                 "--report", report_path.string(), "--model", test::inpaint_model_folder().string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(report_path);
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["plan"]["steps"][0]["params"]["model"], test::inpaint_model_folder().string());
  EXPECT_TRUE(report["plan"]["steps"][0]["params"]["seed"].is_number()) << "a random seed is recorded";
  EXPECT_EQ(report["steps"][0]["model"], "diffusion: " + test::inpaint_model_folder().string())
      << report["steps"].dump();
  EXPECT_EQ(report["verification"]["preservation"]["changed_pixels_outside"], 0);
}

// --preset and --aspect pick the size (and steps and sampler, unless given); --size and --aspect exclude each other.
TEST_F(GenerateCli, PresetAndAspectPickTheSizeAndSampler) {
  const fs::path out = temp_dir() / "wide.png";
  const fs::path report_path = temp_dir() / "wide.json";
  const auto run = run_easel({"generate", "-p", "a lighthouse", "-o", out.string(), "--model",
                              (test::models() / "sd1").string(), "--preset", "low", "--aspect", "widescreen", "--steps",
                              "1", "--seed", "3", "--report", report_path.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(report_path);
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["generate"]["size"], "512x320");  // about 384² pixels at 16:9, sides multiples of 64
  EXPECT_EQ(report["generate"]["sampler"], "dpmpp_2m");
  EXPECT_EQ(report["generate"]["steps"], 1);
  EXPECT_EQ(report["generate"]["preset"], "low");
  const auto both =
      run_easel({"generate", "-p", "x", "-o", out.string(), "--model", "m", "--size", "64x64", "--aspect", "1:1"});
  EXPECT_EQ(both.exit_code, 2) << both.err;
  const auto bad =
      run_easel({"generate", "-p", "x", "-o", (temp_dir() / "never.png").string(), "--model", "m", "--aspect", "9:1"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("1:4 or 4:1"), std::string::npos) << bad.err;
}

TEST_F(GenerateCli, EditWithoutAModelSaysWhichIsNeeded) {
  const fs::path plan = temp_dir() / "add.json";
  std::ofstream(plan)
      << R"({"steps": [{"op": "object.add", "target": {"region": "top-left"}, "params": {"prompt": "a kite"}}]})";
  const fs::path out = temp_dir() / "never.png";
  ::unsetenv("EASEL_MODEL");
  const auto run =
      run_easel({"edit", easel::test::photo("coffee.png").string(), "--plan-file", plan.string(), "-o", out.string()});
  EXPECT_EQ(run.exit_code, 5) << run.err;
  EXPECT_NE(run.err.find("--model"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace easel::diffusion

namespace easel::diffusion {
namespace {

class LoraCli : public GenerateCli {
 protected:
  void SetUp() override {
    GenerateCli::SetUp();
    models_ = temp_dir() / "lora-models";
    // A folder of LoRA files, each named loras/STEM.
    fs::create_directories(models_ / "loras");
    const fs::path reference = easel::test::reference_dir() / "lora" / "loras";
    fs::copy_file(reference / "sd1_locon_kohya.safetensors", models_ / "loras" / "sketch.safetensors",
                  fs::copy_options::overwrite_existing);
    fs::copy_file(reference / "sd1_lora_peft.safetensors", models_ / "loras" / "ink.safetensors",
                  fs::copy_options::overwrite_existing);
    ::setenv("EASEL_MODELS", models_.c_str(), 1);
  }
  void TearDown() override { ::unsetenv("EASEL_MODELS"); }

  easel::test::CliRun generate(const fs::path& out, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "generate", "-p",    "a photo of a cat", "-o", out.string(), "--model", (test::models() / "sd1").string(),
        "--size",   "64x64", "--steps",          "3",  "--seed",     "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_easel(args);
  }

  fs::path models_;
};

// A LoRA named as `easel models list` names it, at a scale, changes the image and is in the report; the
// listing shows it as a LoRA.
TEST_F(LoraCli, ALoraByNameAndScaleIsMergedAndReported) {
  const fs::path plain = temp_dir() / "plain.png";
  const fs::path styled = temp_dir() / "styled.png";
  const fs::path report = temp_dir() / "styled.json";
  ASSERT_EQ(generate(plain, {}).exit_code, 0);
  const auto run = generate(styled, {"--lora", "loras/sketch:0.5", "--report", report.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_GT(compare_pngs(styled, plain).worst, 10) << "the LoRA changed the image";
  std::ifstream in(report);
  const auto json = nlohmann::json::parse(in);
  ASSERT_EQ(json["generate"]["loras"].size(), 1u) << json.dump();
  EXPECT_EQ(json["generate"]["loras"][0]["scale"], 0.5);
  EXPECT_NE(json["generate"]["loras"][0]["file"].get<std::string>().find("sketch.safetensors"), std::string::npos);

  const auto listed = run_easel({"models", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("loras/sketch  LoRA kohya LoRA"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("loras/ink  LoRA peft LoRA"), std::string::npos) << listed.out;
}

TEST_F(LoraCli, BadLorasFailWithAReasonAndNoOutput) {
  const fs::path out = temp_dir() / "never.png";
  const auto scale = generate(out, {"--lora", "loras/sketch:25"});
  EXPECT_EQ(scale.exit_code, 2) << scale.err;
  EXPECT_NE(scale.err.find("out of range [-10, 10]"), std::string::npos) << scale.err;
  const auto missing = generate(out, {"--lora", "loras/absent"});
  EXPECT_EQ(missing.exit_code, 5) << missing.err;
  EXPECT_NE(missing.err.find("loras/absent"), std::string::npos) << missing.err;
  const auto other_family = generate(
      out, {"--lora", (easel::test::reference_dir() / "lora" / "loras" / "sdxl_locon_kohya.safetensors").string()});
  EXPECT_EQ(other_family.exit_code, 3) << other_family.err;
  EXPECT_NE(other_family.err.find("made for another model"), std::string::npos) << other_family.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace easel::diffusion
