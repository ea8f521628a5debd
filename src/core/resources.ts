// Built-in C acquire/release pairs for raw-c-resource. More come from .leaklens.json "resources".

export interface ResourcePair {
  acquire: string[];
  release: string[];
  /** returns: `T* p = acquire(...)`; inPlace: `acquire(&structVar)`; outParam: `acquire(..., &ptr)`. */
  kind: 'returns' | 'inPlace' | 'outParam';
  /** Whether the release takes the pointer itself or its address (`av_frame_free(&frame)`). */
  releaseArg: 'value' | 'address';
  /** outParam: which argument receives the handle (`sqlite3_prepare_v2(db, sql, n, &stmt, &tail)`: 3). */
  handleArg?: number;
  /** The acquisition leaves something to release even when it reports failure (`sqlite3_open`). */
  heldOnFailure?: boolean;
  /** Status of an outParam/inPlace acquisition: true when a non-zero result means success (WebP). */
  nonzeroIsSuccess?: boolean;
}

export const BUILTIN_RESOURCES: ResourcePair[] = [
  { acquire: ['malloc', 'calloc', 'realloc', 'strdup', 'strndup', 'aligned_alloc', 'std::malloc', 'std::calloc', 'std::realloc'], release: ['free', 'std::free'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['fopen', 'fdopen', 'tmpfile', 'std::fopen'], release: ['fclose', 'std::fclose'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['popen'], release: ['pclose'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['opendir', 'fdopendir'], release: ['closedir'], kind: 'returns', releaseArg: 'value' },
  {
    acquire: ['stbi_load', 'stbi_load_from_memory', 'stbi_load_from_file', 'stbi_load_from_callbacks', 'stbi_load_16', 'stbi_load_16_from_memory', 'stbi_loadf', 'stbi_loadf_from_memory', 'stbi_load_gif_from_memory'],
    release: ['stbi_image_free'], kind: 'returns', releaseArg: 'value',
  },
  { acquire: ['av_frame_alloc'], release: ['av_frame_free'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['av_packet_alloc'], release: ['av_packet_free'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['avcodec_alloc_context3'], release: ['avcodec_free_context'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['sws_getContext'], release: ['sws_freeContext'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['png_create_read_struct'], release: ['png_destroy_read_struct'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['png_create_write_struct'], release: ['png_destroy_write_struct'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['FT_New_Face', 'FT_New_Memory_Face'], release: ['FT_Done_Face'], kind: 'outParam', releaseArg: 'value', handleArg: 3 },
  { acquire: ['FT_Init_FreeType'], release: ['FT_Done_FreeType'], kind: 'outParam', releaseArg: 'value', handleArg: 0 },
  { acquire: ['FT_Get_Glyph'], release: ['FT_Done_Glyph'], kind: 'outParam', releaseArg: 'value', handleArg: 1 },
  { acquire: ['FT_Stroker_New'], release: ['FT_Stroker_Done'], kind: 'outParam', releaseArg: 'value', handleArg: 1 },
  { acquire: ['sqlite3_open', 'sqlite3_open_v2', 'sqlite3_open16'], release: ['sqlite3_close', 'sqlite3_close_v2'], kind: 'outParam', releaseArg: 'value', handleArg: 1, heldOnFailure: true },
  { acquire: ['sqlite3_prepare', 'sqlite3_prepare_v2', 'sqlite3_prepare16_v2'], release: ['sqlite3_finalize'], kind: 'outParam', releaseArg: 'value', handleArg: 3 },
  { acquire: ['sqlite3_prepare_v3'], release: ['sqlite3_finalize'], kind: 'outParam', releaseArg: 'value', handleArg: 4 },
  { acquire: ['av_hwdevice_ctx_create', 'av_hwframe_ctx_create_derived'], release: ['av_buffer_unref'], kind: 'outParam', releaseArg: 'address', handleArg: 0 },
  { acquire: ['av_hwdevice_ctx_alloc', 'av_hwframe_ctx_alloc', 'av_buffer_alloc', 'av_buffer_allocz', 'av_buffer_ref'], release: ['av_buffer_unref'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['avformat_alloc_context'], release: ['avformat_free_context', 'avformat_close_input'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['avformat_open_input'], release: ['avformat_close_input'], kind: 'outParam', releaseArg: 'address', handleArg: 0 },
  { acquire: ['SDL_CreateRGBSurface', 'SDL_CreateRGBSurfaceWithFormat', 'SDL_CreateRGBSurfaceFrom', 'SDL_ConvertSurface', 'SDL_ConvertSurfaceFormat', 'SDL_LoadBMP', 'IMG_Load', 'TTF_RenderText_Solid', 'TTF_RenderUTF8_Blended'], release: ['SDL_FreeSurface', 'SDL_DestroySurface'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['SDL_CreateTexture', 'SDL_CreateTextureFromSurface'], release: ['SDL_DestroyTexture'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['SDL_malloc', 'SDL_calloc', 'SDL_strdup'], release: ['SDL_free'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['WebPMemoryWriterInit'], release: ['WebPMemoryWriterClear'], kind: 'inPlace', releaseArg: 'address' },
  { acquire: ['WebPPictureInit', 'WebPPictureAlloc'], release: ['WebPPictureFree'], kind: 'inPlace', releaseArg: 'address', nonzeroIsSuccess: true },
];
