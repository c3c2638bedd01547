"""Pictures in motion, shared by the stages that make them: the I420 canvas, the drawn camera,
the drawn mouth, and the encoder that frames are streamed into."""
