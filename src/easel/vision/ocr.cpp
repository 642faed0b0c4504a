#include "easel/vision/ocr.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include <opencv2/imgproc.hpp>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include "easel/core/error.hpp"

namespace easel {
namespace {

// Tesseract reads best at letter heights of a few dozen pixels; lines are rescaled to this font size.
constexpr double kOcrFontPx = 40;
constexpr int kOcrPaddingPx = 24;

// Debian package of each script model Easel reads with.
std::string package_of(const std::string& model) {
  static const std::map<std::string, std::string> packages = {
      {"Latin", "tesseract-ocr-script-latn"},    {"Greek", "tesseract-ocr-script-grek"},
      {"Cyrillic", "tesseract-ocr-script-cyrl"}, {"Arabic", "tesseract-ocr-script-arab"},
      {"Hebrew", "tesseract-ocr-script-hebr"},   {"HanS", "tesseract-ocr-script-hans"},
      {"Japanese", "tesseract-ocr-script-jpan"}, {"Hangul", "tesseract-ocr-script-hang"}};
  const auto found = packages.find(model);
  return found == packages.end() ? "the tesseract-ocr package for " + model : found->second;
}

std::unique_ptr<tesseract::TessBaseAPI> load_engine(const std::string& models) {
  auto created = std::make_unique<tesseract::TessBaseAPI>();
  // The Latin-script model reads accents, ß and å that the English one drops; English is the fallback.
  const bool loaded = created->Init(nullptr, models.c_str(), tesseract::OEM_LSTM_ONLY) == 0 ||
                      (models == "Latin" && created->Init(nullptr, "eng", tesseract::OEM_LSTM_ONLY) == 0);
  if (!loaded) {
    std::string needed;
    for (std::size_t start = 0; start <= models.size();) {
      const std::size_t end = std::min(models.find('+', start), models.size());
      needed += (needed.empty() ? "" : ", ") + package_of(models.substr(start, end - start));
      start = end + 1;
    }
    throw Error(ErrorKind::capability, "OCR model " + models + " is not installed (Debian: " + needed + ")");
  }
  // Interword spacing exactly as drawn, not reconstructed from typical word gaps. Tesseract's
  // right-to-left models then lose every space, so they keep the reconstructed spacing.
  const bool right_to_left = models.find("Arabic") != std::string::npos || models.find("Hebrew") != std::string::npos;
  created->SetVariable("preserve_interword_spaces", right_to_left ? "0" : "1");
  // Tesseract prints diagnostics ("Image too small to scale!!") for tiny candidate crops; the CLI's
  // stderr is for the user.
  created->SetVariable("debug_file", "/dev/null");
  return created;
}

tesseract::TessBaseAPI& engine(const std::string& models) {
  thread_local std::map<std::string, std::unique_ptr<tesseract::TessBaseAPI>> engines;
  auto& api = engines[models];
  if (!api) api = load_engine(models);
  return *api;
}

}  // namespace

std::string read_text(const cv::Mat& grey, TextLayout layout, const std::string& models) {
  CV_Assert(grey.type() == CV_8U);
  const cv::Mat pixels = grey.isContinuous() ? grey : grey.clone();
  tesseract::TessBaseAPI& api = engine(models);
  api.SetPageSegMode(layout == TextLayout::single_line ? tesseract::PSM_SINGLE_LINE : tesseract::PSM_SINGLE_BLOCK);
  api.SetImage(pixels.data, pixels.cols, pixels.rows, 1, static_cast<int>(pixels.step));
  // The layers are drawn at a known size; any resolution keeps Tesseract from guessing (and warning).
  api.SetSourceResolution(300);
  const std::unique_ptr<char[]> text(api.GetUTF8Text());
  api.Clear();
  return text ? std::string(text.get()) : std::string();
}

std::string read_text_line(const cv::Mat& grey, double size_px, const std::string& models) {
  const double scale = kOcrFontPx / std::max(size_px, 1.0);
  cv::Mat scaled;
  cv::resize(grey, scaled, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  cv::copyMakeBorder(scaled, scaled, kOcrPaddingPx, kOcrPaddingPx, kOcrPaddingPx, kOcrPaddingPx, cv::BORDER_CONSTANT,
                     cv::Scalar(255));
  return read_text(scaled, TextLayout::single_line, models);
}

std::vector<OcrWord> find_words(const cv::Mat& grey, TextLayout layout) {
  CV_Assert(grey.type() == CV_8U);
  const cv::Mat pixels = grey.isContinuous() ? grey : grey.clone();
  tesseract::TessBaseAPI& api = engine("Latin");
  api.SetPageSegMode(layout == TextLayout::single_line ? tesseract::PSM_SINGLE_LINE : tesseract::PSM_SPARSE_TEXT);
  api.SetImage(pixels.data, pixels.cols, pixels.rows, 1, static_cast<int>(pixels.step));
  api.SetSourceResolution(300);
  std::vector<OcrWord> words;
  if (api.Recognize(nullptr) == 0) {
    const std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
    int line = 0;
    if (it) {
      do {
        if (it->IsAtBeginningOf(tesseract::RIL_TEXTLINE)) ++line;
        const std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_WORD));
        int left = 0, top = 0, right = 0, bottom = 0;
        if (!text || !it->BoundingBox(tesseract::RIL_WORD, &left, &top, &right, &bottom)) continue;
        words.push_back(
            {text.get(), cv::Rect(left, top, right - left, bottom - top), line, it->Confidence(tesseract::RIL_WORD)});
      } while (it->Next(tesseract::RIL_WORD));
    }
  }
  api.Clear();
  return words;
}

}  // namespace easel
