// Modelled on seed 000's image_io.cpp: WebP writer/picture and stb_image pixels managed by hand.
#include <stdexcept>
#include <string>
#include <vector>
#include <webp/encode.h>
#include <stb_image.h>
#include "../engines/engine.h"

namespace image_io {

bool decode_image(const std::vector<uint8_t>& data, ImageData& out) {
  int w = 0, h = 0, channels = 0;
  stbi_uc* pixels = stbi_load_from_memory(data.data(), static_cast<int>(data.size()), &w, &h, &channels, 3);
  if (!pixels) {
    return false;
  }
  out.w = w;
  out.h = h;
  out.pixels.assign(pixels, pixels + static_cast<size_t>(w) * h * 3);
  stbi_image_free(pixels);
  return true;
}

bool encode_webp(const ImageData& image, float quality, std::vector<uint8_t>& out) {
  WebPConfig config;
  if (!WebPConfigInit(&config)) {
    return false;
  }
  config.quality = quality;
  WebPPicture pic;
  if (!WebPPictureInit(&pic)) {
    return false;
  }
  pic.width = image.w;
  pic.height = image.h;
  if (!WebPPictureImportRGB(&pic, image.pixels.data(), image.w * 3)) {
    WebPPictureFree(&pic);
    return false;
  }
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  pic.writer = reinterpret_cast<void*>(&WebPMemoryWrite);
  pic.custom_ptr = &writer;
  if (!WebPEncode(&config, &pic)) {
    throw std::runtime_error("WebP encoding failed");
  }
  out.assign(writer.mem, writer.mem + writer.size);
  WebPMemoryWriterClear(&writer);
  WebPPictureFree(&pic);
  return true;
}

}  // namespace image_io
