print('the training script')
