#include "easel/vision/ocr.hpp"

#include <memory>

#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include "easel/core/error.hpp"

namespace easel {
namespace {

tesseract::TessBaseAPI& engine() {
  thread_local std::unique_ptr<tesseract::TessBaseAPI> api = [] {
    auto created = std::make_unique<tesseract::TessBaseAPI>();
    // The Latin-script model reads accents, ß and å that the English one drops; English is the fallback.
    if (created->Init(nullptr, "Latin", tesseract::OEM_LSTM_ONLY) != 0 && created->Init(nullptr, "eng", tesseract::OEM_LSTM_ONLY) != 0) {
      throw Error(ErrorKind::capability, "OCR needs a Tesseract model: Debian package tesseract-ocr-script-latn (or tesseract-ocr-eng)");
    }
    // Interword spacing exactly as drawn, not reconstructed from typical word gaps.
    created->SetVariable("preserve_interword_spaces", "1");
    // Tesseract prints diagnostics ("Image too small to scale!!") for tiny candidate crops; the CLI's
    // stderr is for the user.
    created->SetVariable("debug_file", "/dev/null");
    return created;
  }();
  return *api;
}

}  // namespace

std::string read_text(const cv::Mat& grey, TextLayout layout) {
  CV_Assert(grey.type() == CV_8U);
  const cv::Mat pixels = grey.isContinuous() ? grey : grey.clone();
  tesseract::TessBaseAPI& api = engine();
  api.SetPageSegMode(layout == TextLayout::single_line ? tesseract::PSM_SINGLE_LINE : tesseract::PSM_SINGLE_BLOCK);
  api.SetImage(pixels.data, pixels.cols, pixels.rows, 1, static_cast<int>(pixels.step));
  // The layers are drawn at a known size; any resolution keeps Tesseract from guessing (and warning).
  api.SetSourceResolution(300);
  const std::unique_ptr<char[]> text(api.GetUTF8Text());
  api.Clear();
  return text ? std::string(text.get()) : std::string();
}

std::vector<OcrWord> find_words(const cv::Mat& grey, TextLayout layout) {
  CV_Assert(grey.type() == CV_8U);
  const cv::Mat pixels = grey.isContinuous() ? grey : grey.clone();
  tesseract::TessBaseAPI& api = engine();
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
        words.push_back({text.get(), cv::Rect(left, top, right - left, bottom - top), line, it->Confidence(tesseract::RIL_WORD)});
      } while (it->Next(tesseract::RIL_WORD));
    }
  }
  api.Clear();
  return words;
}

}  // namespace easel
