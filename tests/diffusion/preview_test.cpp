// Progress previews (GenerationRequest::previews / on_preview) on the reference models: how many and
// after which steps, images of the request's size, the final result unchanged by asking for them, and
// the error when TAESD is required but absent. (TAESD previews themselves: taesd_test.cpp.)
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/diffusion/diffusion_engine.hpp"
#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "golden.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

struct Preview {
  int steps_done;
  cv::Mat pixels;
};

GenerationRequest sd1_request() {
  GenerationRequest request;
  request.model = (test::models() / "sd1").string();
  request.prompt = "a red bicycle leaning on a brick wall";
  request.width = 80;
  request.height = 48;
  request.steps = 8;
  request.seed = 1234;
  return request;
}

std::shared_ptr<GenerationEngine> vae_preview_engine() {
  DiffusionEngineOptions options{{}, test::sd_reference() / "tokenizer"};
  options.preview_decoder = DiffusionEngineOptions::PreviewDecoder::vae;
  return make_diffusion_engine(options);
}

bool same_pixels(const Image& a, const Image& b) {
  return a.mat().size() == b.mat().size() && a.mat().type() == b.mat().type() &&
         cv::norm(a.mat(), b.mat(), cv::NORM_INF) == 0;
}

TEST(Previews, StepsAreEvenlySpacedAndNeverAfterTheLast) {
  EXPECT_EQ(preview_steps(20, 4), (std::vector<int>{4, 8, 12, 16}));
  EXPECT_EQ(preview_steps(20, 1), (std::vector<int>{10}));
  EXPECT_EQ(preview_steps(8, 3), (std::vector<int>{2, 4, 6}));
  EXPECT_EQ(preview_steps(10, 3), (std::vector<int>{3, 5, 8}));
  EXPECT_EQ(preview_steps(4, 10), (std::vector<int>{1, 2, 3}));  // at most one per step, none after the last
  EXPECT_TRUE(preview_steps(1, 5).empty());
  EXPECT_TRUE(preview_steps(20, 0).empty());
}

TEST(Previews, TextToImageGetsTheAskedNumberAtTheRightStepsAndAnUnchangedResult) {
  const auto engine = vae_preview_engine();
  GenerationRequest request = sd1_request();
  const GenerationResult plain = engine->generate(request);

  std::vector<Preview> previews;
  std::vector<int> progress;
  request.previews = 3;
  request.on_preview = [&](const Image& image, int done) {
    previews.push_back({done, image.mat().clone()});
    // A preview comes before the progress report of its step.
    EXPECT_EQ(progress.back(), done - 1);
  };
  request.on_step = [&](int done, int) { progress.push_back(done); };
  const GenerationResult with_previews = engine->generate(request);

  ASSERT_EQ(previews.size(), 3u);
  for (std::size_t k = 0; k < previews.size(); ++k) {
    EXPECT_EQ(previews[k].steps_done, static_cast<int>(2 * (k + 1)));
    EXPECT_EQ(previews[k].pixels.size(), cv::Size(80, 48));
    EXPECT_EQ(previews[k].pixels.type(), CV_8UC4);
  }
  // The estimate of the final image sharpens towards it: the last preview is nearer than the first.
  const cv::Mat final_pixels = with_previews.images.front().mat();
  EXPECT_LT(cv::norm(previews.back().pixels, final_pixels, cv::NORM_L1),
            cv::norm(previews.front().pixels, final_pixels, cv::NORM_L1));
  ASSERT_EQ(with_previews.images.size(), 1u);
  EXPECT_TRUE(same_pixels(with_previews.images.front(), plain.images.front()));
}

TEST(Previews, ImageToImagePreviewsHaveTheInputsSizeAndStopBeforeTheLastStep) {
  const auto engine = vae_preview_engine();
  cv::Mat photo;
  cv::resize(easel::test::load_photo("coffee.png").to_rgba8().mat(), photo, cv::Size(70, 42), 0, 0, cv::INTER_AREA);
  GenerationRequest request = sd1_request();
  request.mode = GenerationMode::image_to_image;
  request.image = Image(photo);
  request.strength = 0.5;  // 8 steps → the last 4 run
  const GenerationResult plain = engine->generate(request);

  std::vector<Preview> previews;
  request.previews = 10;
  request.on_preview = [&](const Image& image, int done) { previews.push_back({done, image.mat().clone()}); };
  const GenerationResult with_previews = engine->generate(request);
  ASSERT_EQ(previews.size(), 3u);  // one after each step but the last
  for (std::size_t k = 0; k < previews.size(); ++k) {
    EXPECT_EQ(previews[k].steps_done, static_cast<int>(k + 1));
    EXPECT_EQ(previews[k].pixels.size(), cv::Size(70, 42));
  }
  EXPECT_TRUE(same_pixels(with_previews.images.front(), plain.images.front()));
}

TEST(Previews, PipelineLatentsAndImagesAreBitIdenticalWithPreviews) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  const StableDiffusionModel model = load_model(test::models() / "sd1", options);
  PipelineInput input;
  input.prompt = "a photo of a cat";
  input.width = 80;
  input.height = 48;
  input.steps = 6;
  input.sampler = SamplerKind::dpmpp_2m;  // keeps a history across steps: previews must not disturb it
  const PipelineOutput plain = run_pipeline(model, input, SeededNoise(7).source());
  PipelineCallbacks callbacks;
  callbacks.previews = 2;
  std::vector<int> steps;
  callbacks.on_preview = [&](const at::Tensor& latents, int done) {
    EXPECT_EQ(latents.sizes().vec(), (std::vector<std::int64_t>{1, 4, 6, 10}));
    steps.push_back(done);
  };
  const PipelineOutput with_previews = run_pipeline(model, input, SeededNoise(7).source(), callbacks);
  EXPECT_EQ(steps, (std::vector<int>{2, 4}));
  EXPECT_TRUE(at::equal(with_previews.latents, plain.latents));
  EXPECT_TRUE(at::equal(with_previews.decoded, plain.decoded));
}

TEST(Previews, RequiredTaesdThatIsAbsentIsACapabilityErrorNamingTheDownload) {
  DiffusionEngineOptions options{{}, test::sd_reference() / "tokenizer"};
  options.preview_decoder = DiffusionEngineOptions::PreviewDecoder::taesd;
  options.taesd_folders = {easel::test::temp_dir()};
  const auto engine = make_diffusion_engine(options);
  GenerationRequest request = sd1_request();
  request.previews = 2;
  request.on_preview = [](const Image&, int) {};
  try {
    engine->generate(request);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
    EXPECT_NE(std::string(error.what()).find("taesd_decoder.safetensors"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("easel models pull madebyollin/taesd"), std::string::npos) << error.what();
  }
  request.previews = -1;
  try {
    engine->generate(request);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage) << error.what();
  }
}

}  // namespace
}  // namespace easel::diffusion
